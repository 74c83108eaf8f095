package main

import (
	"time"

	goplugin "github.com/hashicorp/go-plugin"
)

type mmOptions struct {
	scriptPath string
	configJSON string
	expectHS   time.Duration
}

func runMattermost(r *report, cl *goplugin.Client, lw *logWatch, o mmOptions) {
	r.fail("mattermost", "not implemented")
}
