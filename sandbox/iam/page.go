package iam

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kmslab/kmslab/sandbox/api"
)

// pageReq is a list request's Marker and MaxItems.
type pageReq struct {
	marker string
	max    int
}

// Markers are opaque to clients: the base64 of the sort key where the next page starts, so
// a page survives items being deleted in between.
func encodeMarker(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k1:" + key))
}

func decodeMarker(m string) (string, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(m)
	if err != nil || len(raw) < 3 || string(raw[:3]) != "k1:" {
		return "", false
	}
	return string(raw[3:]), true
}

// errBadMarker: AWS's wording for a marker it did not issue is not recorded (UNCONFIRMED).
var errBadMarker = &api.Error{Code: "ValidationError", Message: "Invalid Marker.", Status: http.StatusBadRequest}

// paginate returns one page of items (sorted by key) and the marker of the next.
func paginate[T any](items []T, key func(T) string, pr pageReq) ([]T, bool, string, error) {
	start := 0
	if pr.marker != "" {
		from, ok := decodeMarker(pr.marker)
		if !ok {
			return nil, false, "", errBadMarker
		}
		for start < len(items) && key(items[start]) < from {
			start++
		}
	}
	max := pr.max
	if max <= 0 {
		max = 100
	}
	end := start + max
	if end >= len(items) {
		return items[start:], false, "", nil
	}
	return items[start:end], true, encodeMarker(key(items[end])), nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// pad makes positions sort as strings.
func pad(i int) string { return fmt.Sprintf("%08d", i) }
