// Command yamuxcheck drives yamux interoperability cases against another yamux
// implementation (the peer), using Debian's github.com/hashicorp/yamux, the
// version go-plugin is built with here.
//
//	yamuxcheck --role client|server --socket PATH [--only CASE[,CASE...]] [--peer]
//
// --role client dials the unix socket PATH and runs yamux.Client; --role server
// listens on PATH, prints "LISTENING" once it does, accepts one connection and runs
// yamux.Server. Without --peer the program is the driver: it runs the cases, prints
// "PASS <case>" or "FAIL <case>: <reason>" for each, then "<n> passed, <n> failed",
// and exits 1 if any case failed. With --peer it is instead a reference echo peer
// implementing the same protocol as the implementation under test, which is how
// the driver itself is checked.
//
// Peer protocol: every stream the driver opens starts with one command line.
//
//	ECHO\n            echo every following byte; on the driver's FIN finish echoing, then FIN
//	ECHO-SLOW <ms>\n  as ECHO, but read nothing for <ms> milliseconds first
//	OPEN <n> <len>\n  open n streams to the driver, write <len> bytes (byte i = i % 251) on each,
//	                  FIN each; after opening all of them write "OK\n" here and FIN
//	FINCOUNT\n        write the number of driver-opened streams whose FIN has been seen, "\n", FIN
//	RESET\n           reset the stream (RST)
//	GOAWAY\n          send GoAway (normal)
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/yamux"
)

func main() {
	role := flag.String("role", "", "client (dial PATH) or server (listen on PATH)")
	socket := flag.String("socket", "", "unix socket path")
	only := flag.String("only", "", "comma-separated case names to run (driver only)")
	peer := flag.Bool("peer", false, "act as the reference echo peer instead of the driver")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: yamuxcheck --role client|server --socket PATH [--only CASE[,CASE...]] [--peer]\ncases: %s\n", strings.Join(caseNames(), " "))
	}
	flag.Parse()
	if (*role != "client" && *role != "server") || *socket == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	var selected []driverCase
	if !*peer {
		var err error
		if selected, err = selectCases(*only); err != nil {
			fmt.Fprintln(os.Stderr, "yamuxcheck:", err)
			flag.Usage()
			os.Exit(2)
		}
	}

	conn, err := connect(*role, *socket)
	if err != nil {
		fmt.Fprintln(os.Stderr, "yamuxcheck:", err)
		os.Exit(2)
	}
	sc := newSniffConn(conn)
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = os.Stderr
	var sess *yamux.Session
	if *role == "client" {
		sess, err = yamux.Client(sc, cfg)
	} else {
		sess, err = yamux.Server(sc, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "yamuxcheck: yamux:", err)
		os.Exit(2)
	}

	if *peer {
		runPeer(sess, sc, *role == "server")
		return
	}
	os.Exit(runDriver(sess, sc, *role == "client", selected))
}

func connect(role, path string) (net.Conn, error) {
	if role == "client" {
		// The peer may still be starting; a missing or refusing socket is retried briefly.
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, err := net.Dial("unix", path)
			if err == nil || time.Now().After(deadline) {
				return c, err
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSocket != 0 {
		_ = os.Remove(path)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	defer l.Close() // also unlinks the socket file
	fmt.Println("LISTENING")
	_ = l.(*net.UnixListener).SetDeadline(time.Now().Add(60 * time.Second))
	c, err := l.Accept()
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %v", path, err)
	}
	return c, nil
}

func caseNames() []string {
	var names []string
	for _, c := range driverCases {
		names = append(names, c.name)
	}
	return names
}

func selectCases(only string) ([]driverCase, error) {
	if only == "" {
		return driverCases, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		if n = strings.TrimSpace(n); n != "" {
			want[n] = true
		}
	}
	var out []driverCase
	for _, c := range driverCases {
		if want[c.name] {
			out = append(out, c)
			delete(want, c.name)
		}
	}
	for n := range want {
		return nil, fmt.Errorf("unknown case %q", n)
	}
	return out, nil
}

func logf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "yamuxcheck: "+format+"\n", args...)
}
