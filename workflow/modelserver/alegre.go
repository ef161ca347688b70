package modelserver

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/timpani-dev/timpani/workflow/lexembed"
)

// Alegre's defaults and bounds (§2.2).
const (
	defaultThreshold = 0.9
	defaultLimit     = 200
	maxLimit         = 10000 // OpenSearch's result window
	alegreIndex      = "alegre_similarity"
)

// offlineKeys are Alegre model keys this server knows but cannot compute
// (§2.3); "openai-" keys are matched by prefix.
var offlineKeys = []string{
	"paraphrase-multilingual-mpnet-base-v2",
	"xlm-r-bert-base-nli-stsb-mean-tokens",
	"indian-sbert",
	"paraphrase-filipino-mpnet-base-v2",
	"elasticsearch",
}

// similarityRequest is the body of Alegre's /text/similarity/ endpoints;
// each endpoint reads the fields it needs.
type similarityRequest struct {
	Text              *string         `json:"text"`
	DocID             *string         `json:"doc_id"`
	Model             *string         `json:"model"`
	Models            []string        `json:"models"`
	Context           map[string]any  `json:"context"`
	Language          *string         `json:"language"`
	CreatedAt         *string         `json:"created_at"`
	Threshold         *float64        `json:"threshold"`
	PerModelThreshold json.RawMessage `json:"per_model_threshold"`
	Limit             *int            `json:"limit"`
	Quiet             bool            `json:"quiet"`
}

func alegreError(w http.ResponseWriter, e *requestError) {
	writeJSON(w, e.status, map[string]string{"message": e.msg})
}

func (s *Server) internalError(w http.ResponseWriter, r *http.Request, op string, err error) {
	s.log.ErrorContext(r.Context(), op, "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"message": "internal error"})
}

func (s *Server) decodeSimilarity(w http.ResponseWriter, r *http.Request) (similarityRequest, bool) {
	var req similarityRequest
	if _, rerr := decodeBody(w, r, s.opt.MaxBodyBytes, http.StatusBadRequest, &req); rerr != nil {
		alegreError(w, rerr)
		return req, false
	}
	return req, true
}

// modelKeys merges model and models as Alegre does, keeping their order, and
// refuses any key this server cannot compute: vectors are never substituted.
func modelKeys(req similarityRequest) ([]string, *requestError) {
	var keys []string
	if req.Model != nil && *req.Model != "" {
		keys = append(keys, *req.Model)
	}
	for _, k := range req.Models {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil, &requestError{http.StatusBadRequest, fmt.Sprintf("models is required; this server has %q", lexembed.Model)}
	}
	for _, k := range keys {
		switch {
		case k == lexembed.Model:
		case slices.Contains(offlineKeys, k) || strings.HasPrefix(k, "openai-"):
			return nil, &requestError{http.StatusNotImplemented, fmt.Sprintf("model %q is not available offline; this server has %q (a lexical embedder, not a substitute)", k, lexembed.Model)}
		default:
			return nil, &requestError{http.StatusBadRequest, fmt.Sprintf("unknown model %q; this server has %q", k, lexembed.Model)}
		}
	}
	return keys, nil
}

// handleStore is POST /text/similarity/: embed and store, synchronously.
func (s *Server) handleStore(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decodeSimilarity(w, r)
	if !ok {
		return
	}
	keys, rerr := modelKeys(req)
	if rerr == nil && (req.Text == nil || strings.TrimSpace(*req.Text) == "") {
		rerr = &requestError{http.StatusBadRequest, "text is required"}
	}
	createdAt := s.opt.Now()
	if rerr == nil && req.CreatedAt != nil {
		createdAt, rerr = parseCreatedAt(*req.CreatedAt)
	}
	if rerr != nil {
		alegreError(w, rerr)
		return
	}
	docID := ""
	if req.DocID != nil {
		docID = *req.DocID
	}
	if docID == "" {
		docID = rand.Text() // OpenSearch, too, invents an id when none is given
	}
	lang := ""
	if req.Language != nil {
		lang = *req.Language
		if lang == "auto" {
			lang = s.storeLanguage(*req.Text)
		}
	}
	var contexts []map[string]any
	if len(req.Context) > 0 {
		contexts = []map[string]any{req.Context}
	}
	vec := lexembed.Embed(*req.Text) // the only model key modelKeys lets through
	for _, key := range keys {
		doc := Doc{ID: docID, Model: key, Vector: vec, Text: *req.Text, Language: lang,
			Context: req.Context, Contexts: contexts, CreatedAt: createdAt.UTC()}
		if err := s.vectors.Put(r.Context(), doc); err != nil {
			s.internalError(w, r, "store document", err)
			return
		}
	}
	s.log.DebugContext(r.Context(), "document stored", "doc_id", docID)
	writeJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// storeLanguage is Alegre's language "auto" on store: the detected language,
// or none without a detector.
func (s *Server) storeLanguage(t string) string {
	if s.opt.Language == nil {
		return ""
	}
	tag, _ := s.opt.Language.Detect(t)
	lang, _ := splitTag(tag)
	return lang
}

func parseCreatedAt(v string) (time.Time, *requestError) {
	// RFC 3339, or Python's isoformat() of a naive datetime, taken as UTC.
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &requestError{http.StatusBadRequest, "created_at must be an ISO-8601 time"}
}

// handleSearch is POST /text/similarity/search/.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decodeSimilarity(w, r)
	if !ok {
		return
	}
	keys, rerr := modelKeys(req)
	var perModel map[string]float64
	if rerr == nil {
		perModel, rerr = parsePerModelThreshold(req.PerModelThreshold)
	}
	limit := defaultLimit
	if rerr == nil && req.Limit != nil && *req.Limit != 0 {
		limit = *req.Limit
		if limit < 0 || limit > maxLimit {
			rerr = &requestError{http.StatusBadRequest, fmt.Sprintf("limit must be between 1 and %d", maxLimit)}
		}
	}
	if rerr != nil {
		alegreError(w, rerr)
		return
	}

	results := []map[string]any{} // [] rather than null when nothing matches
	for _, key := range keys {
		var vec []float32
		switch {
		case req.Text != nil && strings.TrimSpace(*req.Text) != "":
			vec = lexembed.Embed(*req.Text)
		case req.DocID != nil && *req.DocID != "":
			doc, found, err := s.vectors.Get(r.Context(), *req.DocID, key)
			if err != nil {
				s.internalError(w, r, "get document", err)
				return
			}
			if !found {
				alegreError(w, &requestError{http.StatusNotFound, fmt.Sprintf("Doc Not Found for id %s!", *req.DocID)})
				return
			}
			vec = doc.Vector
		default:
			continue // Alegre answers an empty query with no result
		}
		threshold := defaultThreshold
		if req.Threshold != nil {
			threshold = *req.Threshold
		}
		if t, ok := perModel[key]; ok {
			threshold = t
		}
		hits, err := s.vectors.Search(r.Context(), key, vec, req.Context, threshold, limit)
		if err != nil {
			s.internalError(w, r, "search documents", err)
			return
		}
		for _, h := range hits {
			results = append(results, searchHit(h, key))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": results})
}

// parsePerModelThreshold reads Alegre's per_model_threshold, either
// {"<model>": value} or [{"model": "<model>", "value": value}].
func parsePerModelThreshold(raw json.RawMessage) (map[string]float64, *requestError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var m map[string]float64
	if json.Unmarshal(raw, &m) == nil {
		return m, nil
	}
	var list []struct {
		Model string  `json:"model"`
		Value float64 `json:"value"`
	}
	if json.Unmarshal(raw, &list) != nil {
		return nil, &requestError{http.StatusBadRequest, `per_model_threshold must be {"<model>": number} or [{"model": "<model>", "value": number}]`}
	}
	m = make(map[string]float64, len(list))
	for _, e := range list {
		m[e.Model] = e.Value
	}
	return m, nil
}

// searchHit is one search result in Alegre's shape: the stored fields, the
// ids and the score (cosine+1), flattened as current Alegre returns them and
// also under _source, as OpenSearch hits (and older Alegre) carried them.
func searchHit(h Hit, model string) map[string]any {
	var lang any
	if h.Language != "" {
		lang = h.Language
	}
	contexts := h.Contexts
	if contexts == nil {
		contexts = []map[string]any{}
	}
	src := map[string]any{
		"content":        h.Text,
		"created_at":     h.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		"language":       lang,
		"models":         []string{model},
		"context":        h.Context,
		"contexts":       contexts,
		"model":          model,
		"model_" + model: 1,
	}
	score := h.Score + 1
	hit := maps.Clone(src)
	hit["_id"] = h.ID
	hit["id"] = h.ID
	hit["index"] = alegreIndex
	hit["_score"] = score
	hit["score"] = score
	hit["_source"] = src
	return hit
}

// handleDelete is DELETE /text/similarity/.
func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	req, ok := s.decodeSimilarity(w, r)
	if !ok {
		return
	}
	if req.DocID == nil || *req.DocID == "" {
		alegreError(w, &requestError{http.StatusBadRequest, "doc_id is required"})
		return
	}
	docID := *req.DocID
	// Alegre's delete names no model: it removes the document, vectors of every
	// model included. lexembed.Model is the only key this server stores.
	removed, err := s.vectors.Delete(r.Context(), docID, lexembed.Model, req.Context)
	if err != nil {
		s.internalError(w, r, "delete document", err)
		return
	}
	if !removed {
		if req.Quiet {
			writeJSON(w, http.StatusOK, map[string]string{"failed": fmt.Sprintf("Doc Not Found for id %s! No Deletion Occurred - quiet failure requested, so 200 code returned.", docID)})
			return
		}
		alegreError(w, &requestError{http.StatusNotFound, fmt.Sprintf("Doc Not Found for id %s! No Deletion Occurred.", docID)})
		return
	}
	result := "deleted"
	if _, left, err := s.vectors.Get(r.Context(), docID, lexembed.Model); err == nil && left {
		result = "updated" // only some of its contexts were removed
	}
	s.log.DebugContext(r.Context(), "document deleted", "doc_id", docID, "result", result)
	writeJSON(w, http.StatusOK, map[string]string{"_index": alegreIndex, "_id": docID, "result": result})
}
