// Command rpcbench measures net/rpc round trips through yamux between the real
// go-plugin client (as Mattermost runs it) and a plugin executable implementing
// the conformance `basic` scenario's Plugin.Add. It is the baseline host for
// Hookbridge's rpc benchmark; one JSON line per concurrency level.
//
//	rpcbench --plugin EXE [--n 20000] [--runs 5] [--concurrency 1,16]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/rpc"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

type Args struct {
	A, B int64
	Msg  string
}

type Reply struct {
	Sum  int64
	Echo string
}

type hooksClient struct{ c *rpc.Client }

type hooksPlugin struct{}

func (hooksPlugin) Server(*plugin.MuxBroker) (interface{}, error) { return nil, nil }
func (hooksPlugin) Client(_ *plugin.MuxBroker, c *rpc.Client) (interface{}, error) {
	return &hooksClient{c}, nil
}

func main() {
	exe := flag.String("plugin", "", "plugin executable")
	n := flag.Int("n", 20000, "calls per run")
	runs := flag.Int("runs", 5, "runs (median reported)")
	conc := flag.String("concurrency", "1,16", "comma-separated concurrency levels")
	flag.Parse()
	cl := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{ProtocolVersion: 1, MagicCookieKey: "MATTERMOST_PLUGIN", MagicCookieValue: "Securely message teams, anywhere."},
		Plugins:         map[string]plugin.Plugin{"hooks": hooksPlugin{}},
		Cmd:             exec.Command(*exe),
		StartTimeout:    3 * time.Second,
		SyncStdout:      io.Discard, SyncStderr: io.Discard,
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Error, Output: os.Stderr}),
	})
	defer cl.Kill()
	rc, err := cl.Client()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	raw, err := rc.Dispense("hooks")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	c := raw.(*hooksClient).c
	for _, level := range strings.Split(*conc, ",") {
		k, _ := strconv.Atoi(level)
		var rates []float64
		for r := 0; r <= *runs; r++ {
			t0 := time.Now()
			var wg sync.WaitGroup
			per := *n / k
			for w := 0; w < k; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var rep Reply
					for i := 0; i < per; i++ {
						if err := c.Call("Plugin.Add", &Args{A: int64(i), B: 1, Msg: "x"}, &rep); err != nil {
							panic(err)
						}
					}
				}()
			}
			wg.Wait()
			if r > 0 {
				rates = append(rates, float64(per*k)/time.Since(t0).Seconds())
			}
		}
		sort.Float64s(rates)
		m := rates[len(rates)/2]
		out, _ := json.Marshal(map[string]interface{}{"concurrency": k, "calls_per_s": m, "spread": (rates[len(rates)-1] - rates[0]) / m})
		fmt.Println(string(out))
	}
}
