// Command gobbench measures Go's encoding/gob on the values the plugin protocol
// carries most (a Post with nested props, ServeHTTP args), as the baseline for
// Hookbridge's gob benchmark. It prints one JSON line per case, including the
// bytes of one encoded value so the other side benchmarks exactly the same value.
//
//	gobbench [--n 100000] [--runs 5]
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"time"

	"hookbridge/conformance/model"
	"hookbridge/conformance/plugin"
)

type Z_MessageHasBeenPostedArgs struct {
	A *plugin.Context
	B *model.Post
}

type Z_ServeHTTPArgs struct {
	ResponseWriterStream uint32
	Request              *plugin.HTTPRequestSubset
	Context              *plugin.Context
	RequestBodyStream    uint32
}

func post() interface{} {
	return &Z_MessageHasBeenPostedArgs{
		A: &plugin.Context{SessionId: "sess1234567890", RequestId: "req1234567890", IPAddress: "10.1.2.3", UserAgent: "Mozilla/5.0"},
		B: &model.Post{
			Id: "p1aaaaaaaaaaaaaaaaaaaaaaaa", CreateAt: 1700000000000, UpdateAt: 1700000000000,
			UserId: "u1aaaaaaaaaaaaaaaaaaaaaaaa", ChannelId: "c1aaaaaaaaaaaaaaaaaaaaaaaa", RootId: "r1aaaaaaaaaaaaaaaaaaaaaaaa",
			Message: "deploy production --force please, the build is green", Type: "",
			Props: model.StringInterface{
				"from_webhook": "true", "override_username": "ci-bot",
				"attachments": []interface{}{map[string]interface{}{"color": "#36a64f", "text": "Build 42 passed", "fields": []interface{}{map[string]interface{}{"title": "Branch", "value": "main", "short": true}}}},
				"count": 3.0, "flag": true,
			},
			Hashtags: "#deploy", FileIds: model.StringArray{"f1aaaaaaaaaaaaaaaaaaaaaaaa", "f2aaaaaaaaaaaaaaaaaaaaaaaa"},
		},
	}
}

func serveHTTP() interface{} {
	u, _ := url.Parse("/plugins/hookbridge/hooks/abcdefghijklmnopqrstuvwxyz?x=1")
	return &Z_ServeHTTPArgs{
		ResponseWriterStream: 7,
		Request: &plugin.HTTPRequestSubset{
			Method: "POST", URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"curl/8.0"}, "Mattermost-User-Id": {"u1aaaaaaaaaaaaaaaaaaaaaaaa"}, "Accept": {"*/*"}},
			Host: "chat.example.com", RemoteAddr: "10.0.0.5:51234", RequestURI: "/plugins/hookbridge/hooks/abcdefghijklmnopqrstuvwxyz?x=1",
		},
		Context:           &plugin.Context{SessionId: "s1", RequestId: "r1", IPAddress: "10.0.0.5"},
		RequestBodyStream: 9,
	}
}

type result struct {
	Case          string  `json:"case"`
	EncodeOpsPerS float64 `json:"encode_ops_per_s"`
	DecodeOpsPerS float64 `json:"decode_ops_per_s"`
	EncodeSpread  float64 `json:"encode_spread"`
	DecodeSpread  float64 `json:"decode_spread"`
	Bytes         int     `json:"bytes_per_value"`
	SampleHex     string  `json:"sample_hex"`
}

func median(xs []float64) (float64, float64) {
	sort.Float64s(xs)
	return xs[len(xs)/2], (xs[len(xs)-1] - xs[0]) / xs[len(xs)/2]
}

func main() {
	n := flag.Int("n", 100000, "values per run")
	runs := flag.Int("runs", 5, "runs (median reported)")
	flag.Parse()
	cases := []struct {
		name  string
		value func() interface{}
		fresh func() interface{}
	}{
		{"post", post, func() interface{} { return new(Z_MessageHasBeenPostedArgs) }},
		{"serve_http_args", serveHTTP, func() interface{} { return new(Z_ServeHTTPArgs) }},
	}
	for _, c := range cases {
		v := c.value()
		var sample bytes.Buffer
		if err := gob.NewEncoder(&sample).Encode(v); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var enc, dec []float64
		var per int
		for r := 0; r < *runs+1; r++ {
			var buf bytes.Buffer
			e := gob.NewEncoder(&buf)
			_ = e.Encode(v) // type definitions go out once per stream, as on a real stream
			start := buf.Len()
			t0 := time.Now()
			for i := 0; i < *n; i++ {
				if err := e.Encode(v); err != nil {
					panic(err)
				}
			}
			el := time.Since(t0)
			per = (buf.Len() - start) / *n
			d := gob.NewDecoder(bytes.NewReader(buf.Bytes()))
			t1 := time.Now()
			for i := 0; i <= *n; i++ {
				if err := d.Decode(c.fresh()); err != nil {
					panic(err)
				}
			}
			el2 := time.Since(t1)
			if r == 0 {
				continue // warm-up
			}
			enc = append(enc, float64(*n)/el.Seconds())
			dec = append(dec, float64(*n+1)/el2.Seconds())
		}
		em, es := median(enc)
		dm, ds := median(dec)
		out, _ := json.Marshal(result{c.name, em, dm, es, ds, per, hex.EncodeToString(sample.Bytes())})
		fmt.Println(string(out))
	}
}
