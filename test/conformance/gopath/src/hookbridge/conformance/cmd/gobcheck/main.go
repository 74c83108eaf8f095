// Command gobcheck is the Go reference side of the gob conformance tests: it
// encodes known values with encoding/gob and decodes, compares and re-encodes bytes
// produced by another implementation.
//
//	gobcheck serve   JSON lines on stdin, one JSON answer line per request on stdout
//	gobcheck dump    one JSON line {"case","gotype","hex"} per case (golden vectors)
//
// Requests (serve):
//
//	{"op":"list"}                               -> {"ok":true,"cases":[...]}
//	{"op":"encode","case":N}                    -> {"ok":true,"hex":H}
//	{"op":"verify","case":N,"hex":H}            -> {"ok":true} | {"ok":false,"error":E,"got":G[,"got_json":J]}
//	{"op":"reencode","case":N,"hex":H}          -> {"ok":true,"hex":H2} | {"ok":false,"error":E}
//	{"op":"describe","case":N}                  -> {"ok":true,"gotype":T,"value":V}
//
// Every encode and decode uses a fresh gob.Encoder / gob.Decoder, so encoded bytes
// always start with the type definitions, exactly as on a fresh net/rpc stream.
package main

import (
	"bufio"
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
)

type request struct {
	Op   string `json:"op"`
	Case string `json:"case"`
	Hex  string `json:"hex"`
}

type response struct {
	OK     bool     `json:"ok"`
	Cases  []string `json:"cases,omitempty"`
	Hex    *string  `json:"hex,omitempty"`
	GoType string   `json:"gotype,omitempty"`
	Value  string   `json:"value,omitempty"`
	Error  string   `json:"error,omitempty"`
	Got    string   `json:"got,omitempty"`
	// GotJSON renders the decoded value with nested pointers followed, which %#v
	// does not do; absent when encoding/json cannot represent the value.
	GotJSON json.RawMessage `json:"got_json,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		usage()
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Stdin, os.Stdout)
	case "dump":
		dump(os.Stdout)
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gobcheck serve | gobcheck dump")
	os.Exit(2)
}

func serve(in io.Reader, out io.Writer) {
	r := bufio.NewReaderSize(in, 1<<20)
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		line, err := r.ReadString('\n')
		if strings.TrimSpace(line) != "" {
			_ = enc.Encode(handleLine(line))
			// Flush per answer: the caller waits for it before sending the next request.
			if ferr := w.Flush(); ferr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func dump(out io.Writer) {
	w := bufio.NewWriter(out)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range cases {
		b, err := encodeValue(c.value)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gobcheck: %s: %v\n", c.name, err)
			os.Exit(1)
		}
		_ = enc.Encode(map[string]string{"case": c.name, "gotype": fmt.Sprintf("%T", c.value), "hex": hex.EncodeToString(b)})
	}
}

func fail(format string, args ...interface{}) response {
	return response{OK: false, Error: fmt.Sprintf(format, args...)}
}

func handleLine(line string) (resp response) {
	defer func() {
		if p := recover(); p != nil {
			resp = fail("internal error: %v", p)
		}
	}()
	var req request
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return fail("bad request: %v", err)
	}
	if req.Op == "list" {
		names := make([]string, len(cases))
		for i, c := range cases {
			names[i] = c.name
		}
		return response{OK: true, Cases: names}
	}
	switch req.Op {
	case "encode", "verify", "reencode", "describe":
	default:
		return fail("unknown op %q (want list, encode, verify, reencode, describe)", req.Op)
	}
	c, ok := caseByName[req.Case]
	if !ok {
		return fail("unknown case %q", req.Case)
	}
	switch req.Op {
	case "encode":
		b, err := encodeValue(c.value)
		if err != nil {
			return fail("encode: %v", err)
		}
		h := hex.EncodeToString(b)
		return response{OK: true, Hex: &h}
	case "describe":
		return response{OK: true, GoType: fmt.Sprintf("%T", c.value), Value: fmt.Sprintf("%#v", c.value)}
	}
	data, err := hex.DecodeString(strings.TrimSpace(req.Hex))
	if err != nil {
		return fail("bad hex: %v", err)
	}
	got, err := decodeAs(reflect.TypeOf(c.value), data)
	if err != nil {
		return fail("%v", err)
	}
	if req.Op == "reencode" {
		b, err := encodeValue(got)
		if err != nil {
			return fail("re-encode: %v", err)
		}
		h := hex.EncodeToString(b)
		return response{OK: true, Hex: &h}
	}
	if err := compare(reflect.ValueOf(c.value), reflect.ValueOf(got), ""); err != nil {
		resp := response{OK: false, Error: err.Error(), Got: fmt.Sprintf("%#v", got)}
		if j, jerr := json.Marshal(got); jerr == nil {
			resp.GotJSON = j
		}
		return resp
	}
	return response{OK: true}
}

func encodeValue(v interface{}) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeAs decodes exactly one value of type t from data and insists that data
// holds nothing else: a stray trailing message would desynchronise a real net/rpc
// stream, because the next Decode there belongs to the next call.
func decodeAs(t reflect.Type, data []byte) (interface{}, error) {
	r := bytes.NewReader(data)
	dec := gob.NewDecoder(r)
	ptr := reflect.New(t)
	if err := dec.Decode(ptr.Interface()); err != nil {
		return nil, fmt.Errorf("decode into %v: %v", t, err)
	}
	if left := r.Len(); left != 0 {
		err := dec.DecodeValue(reflect.Value{})
		return nil, fmt.Errorf("decoder did not consume every byte: %d bytes left after the value (next Decode: %v)", left, err)
	}
	if err := dec.DecodeValue(reflect.Value{}); err != io.EOF {
		return nil, fmt.Errorf("second Decode returned %v, want io.EOF", err)
	}
	return ptr.Elem().Interface(), nil
}
