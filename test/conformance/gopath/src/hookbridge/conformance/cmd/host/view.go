package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Scripts are JSON but the wire values are Go structs. The helpers here
// translate both ways with one convention, so that scripts can be written
// in the shape a TypeScript author sees on the wire:
//   - struct fields keep their Go names; when reading a script, names are
//     matched ignoring case and underscores (so "channel_id" and
//     "channelId" both reach ChannelId);
//   - []byte is a string when it is valid UTF-8, otherwise {"$base64": "..."}.

var urlType = reflect.TypeOf(url.URL{})

// toView turns a Go value into JSON-compatible data for matching and for
// the calls log.
func toView(v reflect.Value) interface{} {
	if !v.IsValid() {
		return nil
	}
	switch v.Kind() {
	case reflect.Ptr, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toView(v.Elem())
	case reflect.Struct:
		if v.Type() == urlType {
			u := v.Interface().(url.URL)
			return u.String()
		}
		m := map[string]interface{}{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.PkgPath != "" {
				continue
			}
			m[f.Name] = toView(v.Field(i))
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return bytesView(v.Bytes())
		}
		fallthrough
	case reflect.Array:
		out := make([]interface{}, v.Len())
		for i := range out {
			out[i] = toView(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]interface{}{}
		iter := v.MapRange()
		for iter.Next() {
			m[fmt.Sprint(iter.Key().Interface())] = toView(iter.Value())
		}
		return m
	case reflect.Bool:
		return v.Bool()
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint()
	case reflect.Float32, reflect.Float64:
		return v.Float()
	default:
		return fmt.Sprintf("%v", v.Interface())
	}
}

func bytesView(b []byte) interface{} {
	if utf8.Valid(b) {
		return string(b)
	}
	return map[string]interface{}{"$base64": base64.StdEncoding.EncodeToString(b)}
}

// goString is %#v with pointers followed and zero fields left out, so that
// recorded calls show their content instead of addresses.
func goString(v reflect.Value) string {
	var b strings.Builder
	writeGo(&b, v)
	return b.String()
}

func writeGo(b *strings.Builder, v reflect.Value) {
	if !v.IsValid() {
		b.WriteString("nil")
		return
	}
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			fmt.Fprintf(b, "(%s)(nil)", v.Type())
			return
		}
		b.WriteString("&")
		writeGo(b, v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("nil")
			return
		}
		writeGo(b, v.Elem())
	case reflect.Struct:
		if v.Type() == urlType {
			u := v.Interface().(url.URL)
			fmt.Fprintf(b, "url.URL(%q)", u.String())
			return
		}
		b.WriteString(v.Type().String())
		b.WriteString("{")
		t := v.Type()
		first := true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.PkgPath != "" || v.Field(i).IsZero() {
				continue
			}
			if !first {
				b.WriteString(", ")
			}
			first = false
			b.WriteString(f.Name)
			b.WriteString(":")
			writeGo(b, v.Field(i))
		}
		b.WriteString("}")
	case reflect.Slice:
		if v.IsNil() {
			fmt.Fprintf(b, "%s(nil)", v.Type())
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			if utf8.Valid(v.Bytes()) {
				fmt.Fprintf(b, "[]byte(%q)", v.Bytes())
			} else {
				fmt.Fprintf(b, "%#v", v.Interface())
			}
			return
		}
		b.WriteString(v.Type().String())
		b.WriteString("{")
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			writeGo(b, v.Index(i))
		}
		b.WriteString("}")
	case reflect.Map:
		if v.IsNil() {
			fmt.Fprintf(b, "%s(nil)", v.Type())
			return
		}
		b.WriteString(v.Type().String())
		b.WriteString("{")
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeGo(b, k)
			b.WriteString(":")
			writeGo(b, v.MapIndex(k))
		}
		b.WriteString("}")
	default:
		fmt.Fprintf(b, "%#v", v.Interface())
	}
}

func normKey(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// fromJSON fills dst from data decoded with json.Decoder.UseNumber.
func fromJSON(dst reflect.Value, data interface{}, path string) error {
	if data == nil {
		dst.Set(reflect.Zero(dst.Type()))
		return nil
	}
	switch dst.Kind() {
	case reflect.Ptr:
		if dst.Type().Elem() == urlType {
			s, ok := data.(string)
			if !ok {
				return fmt.Errorf("%s: want a URL string", path)
			}
			u, err := url.Parse(s)
			if err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			dst.Set(reflect.ValueOf(u))
			return nil
		}
		p := reflect.New(dst.Type().Elem())
		if err := fromJSON(p.Elem(), data, path); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	case reflect.Struct:
		obj, ok := data.(map[string]interface{})
		if !ok {
			return fmt.Errorf("%s: want an object for %s", path, dst.Type())
		}
		t := dst.Type()
		for k, val := range obj {
			idx := -1
			for i := 0; i < t.NumField(); i++ {
				if t.Field(i).PkgPath == "" && normKey(t.Field(i).Name) == normKey(k) {
					idx = i
					break
				}
			}
			if idx < 0 {
				return fmt.Errorf("%s: %s has no field %q", path, t, k)
			}
			if err := fromJSON(dst.Field(idx), val, path+"."+t.Field(idx).Name); err != nil {
				return err
			}
		}
		return nil
	case reflect.Interface:
		dst.Set(reflect.ValueOf(plainJSON(data)))
		return nil
	case reflect.Slice:
		if dst.Type().Elem().Kind() == reflect.Uint8 {
			b, err := bytesFromJSON(data)
			if err != nil {
				return fmt.Errorf("%s: %v", path, err)
			}
			dst.SetBytes(b)
			return nil
		}
		arr, ok := data.([]interface{})
		if !ok {
			return fmt.Errorf("%s: want an array", path)
		}
		s := reflect.MakeSlice(dst.Type(), len(arr), len(arr))
		for i, el := range arr {
			if err := fromJSON(s.Index(i), el, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dst.Set(s)
		return nil
	case reflect.Map:
		obj, ok := data.(map[string]interface{})
		if !ok {
			return fmt.Errorf("%s: want an object", path)
		}
		m := reflect.MakeMapWithSize(dst.Type(), len(obj))
		for k, val := range obj {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := fromJSON(ev, val, path+"."+k); err != nil {
				return err
			}
			kv := reflect.New(dst.Type().Key()).Elem()
			if kv.Kind() != reflect.String {
				return fmt.Errorf("%s: only string map keys are supported", path)
			}
			kv.SetString(k)
			m.SetMapIndex(kv, ev)
		}
		dst.Set(m)
		return nil
	case reflect.String:
		s, ok := data.(string)
		if !ok {
			return fmt.Errorf("%s: want a string", path)
		}
		dst.SetString(s)
		return nil
	case reflect.Bool:
		bv, ok := data.(bool)
		if !ok {
			return fmt.Errorf("%s: want a boolean", path)
		}
		dst.SetBool(bv)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := data.(json.Number)
		if !ok {
			return fmt.Errorf("%s: want a number", path)
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		dst.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := data.(json.Number)
		if !ok {
			return fmt.Errorf("%s: want a number", path)
		}
		u, err := strconv.ParseUint(n.String(), 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		dst.SetUint(u)
		return nil
	case reflect.Float32, reflect.Float64:
		n, ok := data.(json.Number)
		if !ok {
			return fmt.Errorf("%s: want a number", path)
		}
		f, err := n.Float64()
		if err != nil {
			return fmt.Errorf("%s: %v", path, err)
		}
		dst.SetFloat(f)
		return nil
	}
	return fmt.Errorf("%s: cannot fill a %s from JSON", path, dst.Type())
}

// plainJSON converts json.Number into float64: that is what a Mattermost
// server holds in Props and other map[string]interface{} values it decoded
// from JSON, and float64 is a type gob can put in an interface.
func plainJSON(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		f, _ := x.Float64()
		return f
	case []interface{}:
		out := make([]interface{}, len(x))
		for i := range x {
			out[i] = plainJSON(x[i])
		}
		return out
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, val := range x {
			out[k] = plainJSON(val)
		}
		return out
	}
	return v
}

func bytesFromJSON(data interface{}) ([]byte, error) {
	switch x := data.(type) {
	case string:
		return []byte(x), nil
	case map[string]interface{}:
		if s, ok := x["$base64"].(string); ok && len(x) == 1 {
			return base64.StdEncoding.DecodeString(s)
		}
		if v, ok := x["$json"]; ok && len(x) == 1 {
			return json.Marshal(plainJSON(v))
		}
	}
	return nil, fmt.Errorf(`want a string, {"$base64": "..."} or {"$json": value}`)
}

// match reports why actual (a toView result) does not match pattern, or ""
// if it does. Patterns are partial: objects only constrain the keys they
// name, and operators {"$contains"}, {"$regex"}, {"$exists"}, {"$len"},
// {"$any"}, {"$json"} and {"$base64"} are recognised.
func match(pattern, actual interface{}, path string) string {
	if path == "" {
		path = "$"
	}
	if obj, ok := pattern.(map[string]interface{}); ok {
		if op, arg, isOp := operator(obj); isOp {
			return matchOp(op, arg, actual, path)
		}
		am, ok := actual.(map[string]interface{})
		if !ok {
			return fmt.Sprintf("%s: want an object, got %s", path, brief(actual))
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			av, found := lookup(am, k)
			sub := path + "." + k
			if p, ok := obj[k].(map[string]interface{}); ok {
				if op, arg, isOp := operator(p); isOp && op == "$exists" {
					want, _ := arg.(bool)
					if has := found && av != nil; has != want {
						return fmt.Sprintf("%s: exists=%v, want %v", sub, has, want)
					}
					continue
				}
			}
			if !found {
				return fmt.Sprintf("%s: missing", sub)
			}
			if why := match(obj[k], av, sub); why != "" {
				return why
			}
		}
		return ""
	}
	switch p := pattern.(type) {
	case nil:
		if actual != nil {
			return fmt.Sprintf("%s: want null, got %s", path, brief(actual))
		}
	case []interface{}:
		aa, ok := actual.([]interface{})
		if !ok {
			if actual == nil && len(p) == 0 {
				return ""
			}
			return fmt.Sprintf("%s: want an array, got %s", path, brief(actual))
		}
		if len(aa) != len(p) {
			return fmt.Sprintf("%s: want %d elements, got %d (%s)", path, len(p), len(aa), brief(actual))
		}
		for i := range p {
			if why := match(p[i], aa[i], fmt.Sprintf("%s[%d]", path, i)); why != "" {
				return why
			}
		}
	case json.Number:
		if !numEqual(p, actual) {
			return fmt.Sprintf("%s: want %s, got %s", path, p, brief(actual))
		}
	case string:
		if s, ok := actual.(string); !ok || s != p {
			return fmt.Sprintf("%s: want %q, got %s", path, p, brief(actual))
		}
	case bool:
		if b, ok := actual.(bool); !ok || b != p {
			return fmt.Sprintf("%s: want %v, got %s", path, p, brief(actual))
		}
	default:
		return fmt.Sprintf("%s: unsupported pattern %T", path, pattern)
	}
	return ""
}

func operator(obj map[string]interface{}) (string, interface{}, bool) {
	if len(obj) != 1 {
		return "", nil, false
	}
	for k, v := range obj {
		if strings.HasPrefix(k, "$") {
			return k, v, true
		}
	}
	return "", nil, false
}

func matchOp(op string, arg, actual interface{}, path string) string {
	switch op {
	case "$any":
		return ""
	case "$exists":
		want, _ := arg.(bool)
		if (actual != nil) != want {
			return fmt.Sprintf("%s: exists=%v, want %v", path, actual != nil, want)
		}
		return ""
	case "$contains":
		switch a := actual.(type) {
		case string:
			s, ok := arg.(string)
			if !ok || !strings.Contains(a, s) {
				return fmt.Sprintf("%s: %s does not contain %s", path, brief(actual), brief(arg))
			}
			return ""
		case []interface{}:
			for _, el := range a {
				if match(arg, el, path) == "" {
					return ""
				}
			}
			return fmt.Sprintf("%s: no element of %s matches %s", path, brief(actual), brief(arg))
		}
		return fmt.Sprintf("%s: $contains needs a string or array, got %s", path, brief(actual))
	case "$regex":
		s, ok := arg.(string)
		re, err := regexp.Compile(s)
		if !ok || err != nil {
			return fmt.Sprintf("%s: bad $regex %v", path, arg)
		}
		a, ok := actual.(string)
		if !ok || !re.MatchString(a) {
			return fmt.Sprintf("%s: %s does not match /%s/", path, brief(actual), s)
		}
		return ""
	case "$len":
		n, ok := arg.(json.Number)
		want, err := strconv.Atoi(string(n))
		if !ok || err != nil {
			return fmt.Sprintf("%s: bad $len %v", path, arg)
		}
		got := -1
		switch a := actual.(type) {
		case string:
			got = len(a)
		case []interface{}:
			got = len(a)
		case map[string]interface{}:
			got = len(a)
		case nil:
			got = 0
		}
		if got != want {
			return fmt.Sprintf("%s: length %d, want %d", path, got, want)
		}
		return ""
	case "$json":
		a, ok := actual.(string)
		if !ok {
			return fmt.Sprintf("%s: want JSON text, got %s", path, brief(actual))
		}
		dec := json.NewDecoder(strings.NewReader(a))
		dec.UseNumber()
		var parsed interface{}
		if err := dec.Decode(&parsed); err != nil {
			return fmt.Sprintf("%s: not JSON (%v): %s", path, err, brief(actual))
		}
		return match(arg, numbersToView(parsed), path+"<json>")
	case "$base64":
		s, _ := arg.(string)
		want, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return fmt.Sprintf("%s: bad $base64", path)
		}
		if why := match(bytesView(want), actual, path); why != "" {
			return why
		}
		return ""
	}
	return fmt.Sprintf("%s: unknown operator %s", path, op)
}

// numbersToView makes parsed JSON comparable with toView output.
func numbersToView(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []interface{}:
		for i := range x {
			x[i] = numbersToView(x[i])
		}
	case map[string]interface{}:
		for k := range x {
			x[k] = numbersToView(x[k])
		}
	}
	return v
}

func lookup(m map[string]interface{}, k string) (interface{}, bool) {
	if v, ok := m[k]; ok {
		return v, true
	}
	nk := normKey(k)
	for mk, v := range m {
		if normKey(mk) == nk {
			return v, true
		}
	}
	return nil, false
}

func numEqual(p json.Number, actual interface{}) bool {
	switch a := actual.(type) {
	case int64:
		i, err := strconv.ParseInt(string(p), 10, 64)
		return err == nil && i == a
	case uint64:
		u, err := strconv.ParseUint(string(p), 10, 64)
		return err == nil && u == a
	case float64:
		f, err := p.Float64()
		return err == nil && (f == a || math.Abs(f-a) < 1e-9*math.Max(1, math.Abs(a)))
	}
	return false
}

// brief renders a value for failure messages without flooding the line.
func brief(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%v", v)
	}
	s := string(b)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
