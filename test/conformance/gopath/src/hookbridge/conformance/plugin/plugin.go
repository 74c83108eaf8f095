// Package plugin mirrors the parts of Mattermost's server/public/plugin package
// that shape the gob wire format: the fallback error type, the request context,
// the HTTP request subset and the interface registrations of client_rpc.go.
package plugin

import (
	"encoding/gob"
	"io"
	"net/http"
	"net/url"

	"hookbridge/conformance/model"
)

// ErrorString carries any error that is not a *model.AppError. Code maps well-known
// sentinel errors (1 = io.EOF, 2 = sql.ErrNoRows, ... 7 = driver.ErrRemoveArgument).
type ErrorString struct {
	Code int
	Err  string
}

func (e ErrorString) Error() string {
	return e.Err
}

type Context struct {
	SessionId      string
	ConnectionId   string
	RequestId      string
	IPAddress      string
	AcceptLanguage string
	UserAgent      string
}

// HTTPRequestSubset keeps Mattermost's Body field: it is never set on the wire
// (nil interfaces are omitted), but it is part of the struct's gob type
// definition, so a decoder sees a field "Body" of the interface type.
type HTTPRequestSubset struct {
	Method     string
	URL        *url.URL
	Proto      string
	ProtoMajor int
	ProtoMinor int
	Header     http.Header
	Host       string
	RemoteAddr string
	RequestURI string
	Body       io.ReadCloser
}

// The registered names ("[]*model.SlackAttachment", "[]interface {}",
// "map[string]interface {}", "*model.AppError", "*plugin.ErrorString") are what a
// Mattermost server puts in and accepts from interface-typed values. Registering a
// pointer to a named type uses reflect's String(), which carries the package name,
// not its import path, so these stand-ins produce the same names as Mattermost.
func init() {
	gob.Register([]*model.SlackAttachment{})
	gob.Register([]interface{}{})
	gob.Register(map[string]interface{}{})
	gob.Register(&model.AppError{})
	gob.Register(&ErrorString{})
}
