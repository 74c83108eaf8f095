package main

import (
	"fmt"
	"math"
	"reflect"
	"time"
)

var timeType = reflect.TypeOf(time.Time{})

// compare is reflect.DeepEqual, loosened only where gob itself cannot carry the
// distinction, so that a difference it reports is always a real codec bug:
//
//  1. nil slice == empty slice, nil map == empty map, at any depth. gob omits an
//     empty slice / nil map struct field (decoded as nil), and an empty slice or
//     nil map inside a slice, map or interface travels as count 0 (decoded as
//     nil slice / empty non-nil map).
//  2. nil pointer == pointer to a gob-zero value (0, false, "", empty slice, nil
//     map, zero time, ...) unless the pointee is a struct. Pointers never reach the
//     wire; a struct field *string pointing at "" is omitted like "" itself and
//     comes back nil. A pointer to a struct is always sent (possibly as an empty
//     struct) and must come back non-nil.
//  3. time.Time is equal when it denotes the same instant with the same UTC
//     offset. GobEncode keeps seconds, nanoseconds and the offset in minutes, not
//     the zone name, and the decoder recreates the location as UTC, Local or an
//     unnamed fixed zone.
//
// Everything else is strict: dynamic types inside interfaces must be identical
// (int vs int64 vs float64 are different), map keys must match, floats must be
// bit-identical up to NaN payloads.
func compare(want, got reflect.Value, path string) error {
	if !want.IsValid() || !got.IsValid() {
		if want.IsValid() != got.IsValid() {
			return fmt.Errorf("%s: want %s, got %s", where(path), show(want), show(got))
		}
		return nil
	}
	if want.Type() != got.Type() {
		return fmt.Errorf("%s: want type %v, got type %v", where(path), want.Type(), got.Type())
	}
	if want.Type() == timeType {
		return compareTime(want, got, path)
	}
	switch want.Kind() {
	case reflect.Ptr:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() && got.IsNil() {
				return nil
			}
			other := want
			if other.IsNil() {
				other = got
			}
			if other.Elem().Kind() != reflect.Struct || other.Elem().Type() == timeType {
				if gobZero(other.Elem()) {
					return nil
				}
			}
			return fmt.Errorf("%s: want %s, got %s", where(path), showPtr(want), showPtr(got))
		}
		return compare(want.Elem(), got.Elem(), path)
	case reflect.Interface:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() && got.IsNil() {
				return nil
			}
			return fmt.Errorf("%s: want %s, got %s", where(path), showIface(want), showIface(got))
		}
		if want.Elem().Type() != got.Elem().Type() {
			return fmt.Errorf("%s: interface holds %v, want %v", where(path), got.Elem().Type(), want.Elem().Type())
		}
		return compare(want.Elem(), got.Elem(), path)
	case reflect.Struct:
		for i := 0; i < want.NumField(); i++ {
			if err := compare(want.Field(i), got.Field(i), path+"."+want.Type().Field(i).Name); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if want.Len() != got.Len() {
			return fmt.Errorf("%s: want len %d, got len %d", where(path), want.Len(), got.Len())
		}
		if want.Type().Elem().Kind() == reflect.Uint8 {
			for i := 0; i < want.Len(); i++ {
				if want.Index(i).Uint() != got.Index(i).Uint() {
					return fmt.Errorf("%s[%d]: want byte 0x%02x, got 0x%02x", where(path), i, want.Index(i).Uint(), got.Index(i).Uint())
				}
			}
			return nil
		}
		fallthrough
	case reflect.Array:
		if want.Len() != got.Len() {
			return fmt.Errorf("%s: want len %d, got len %d", where(path), want.Len(), got.Len())
		}
		for i := 0; i < want.Len(); i++ {
			if err := compare(want.Index(i), got.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Map:
		if want.Len() != got.Len() {
			return fmt.Errorf("%s: want %d entries %v, got %d entries %v", where(path), want.Len(), want.MapKeys(), got.Len(), got.MapKeys())
		}
		iter := want.MapRange()
		for iter.Next() {
			k := iter.Key()
			gv := got.MapIndex(k)
			sub := fmt.Sprintf("%s[%#v]", path, k)
			if !gv.IsValid() {
				return fmt.Errorf("%s: key missing", where(sub))
			}
			if err := compare(iter.Value(), gv, sub); err != nil {
				return err
			}
		}
		return nil
	case reflect.Bool:
		if want.Bool() != got.Bool() {
			return fmt.Errorf("%s: want %v, got %v", where(path), want.Bool(), got.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if want.Int() != got.Int() {
			return fmt.Errorf("%s: want %d, got %d", where(path), want.Int(), got.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if want.Uint() != got.Uint() {
			return fmt.Errorf("%s: want %d, got %d", where(path), want.Uint(), got.Uint())
		}
	case reflect.Float32, reflect.Float64:
		if !sameFloat(want.Float(), got.Float()) {
			return fmt.Errorf("%s: want %v, got %v", where(path), want.Float(), got.Float())
		}
	case reflect.Complex64, reflect.Complex128:
		w, g := want.Complex(), got.Complex()
		if !sameFloat(real(w), real(g)) || !sameFloat(imag(w), imag(g)) {
			return fmt.Errorf("%s: want %v, got %v", where(path), w, g)
		}
	case reflect.String:
		if want.String() != got.String() {
			return fmt.Errorf("%s: want %q, got %q", where(path), want.String(), got.String())
		}
	default:
		return fmt.Errorf("%s: cannot compare kind %v", where(path), want.Kind())
	}
	return nil
}

func compareTime(want, got reflect.Value, path string) error {
	w := want.Interface().(time.Time)
	g := got.Interface().(time.Time)
	_, wOff := w.Zone()
	_, gOff := g.Zone()
	if !w.Equal(g) || wOff != gOff {
		return fmt.Errorf("%s: want time %s, got %s", where(path), w.Format(time.RFC3339Nano), g.Format(time.RFC3339Nano))
	}
	return nil
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) && math.IsNaN(b) {
		return true
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

// gobZero reports whether gob would leave a struct field holding v off the wire.
func gobZero(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() == 0
	case reflect.String, reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Ptr, reflect.Interface:
		return v.IsNil()
	case reflect.Struct:
		if v.Type() == timeType {
			return v.Interface().(time.Time).IsZero()
		}
	}
	return false
}

func where(path string) string {
	if path == "" {
		return "value"
	}
	return "value" + path
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	return fmt.Sprintf("%v", v.Type())
}

func showPtr(v reflect.Value) string {
	if v.IsNil() {
		return "nil " + v.Type().String()
	}
	return "non-nil " + v.Type().String()
}

func showIface(v reflect.Value) string {
	if v.IsNil() {
		return "nil interface"
	}
	return "interface holding " + v.Elem().Type().String()
}
