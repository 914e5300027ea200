package sdsim

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// authorized checks HTTP basic auth like A1111's --api-auth (FastAPI's
// HTTPBasic plus A1111's credential check) and answers 401 when it fails.
func (s *Sim) authorized(w http.ResponseWriter, r *http.Request) bool {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "basic") {
		w.Header().Set("WWW-Authenticate", "Basic")
		writeDetail(w, http.StatusUnauthorized, "Not authenticated")
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	user, pass, ok := strings.Cut(string(raw), ":")
	if err != nil || !ok {
		w.Header().Set("WWW-Authenticate", "Basic")
		writeDetail(w, http.StatusUnauthorized, "Invalid authentication credentials")
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.Username))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password))
	if userOK&passOK != 1 {
		writeHTTPException(w, http.StatusUnauthorized, "Incorrect username or password")
		return false
	}
	return true
}
