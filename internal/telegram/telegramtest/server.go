package telegramtest

import (
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Telegram Bot API server. Create it with [NewServer] and
// stop it with [Server.Close].
type Server struct {
	// URL is the server's base URL, to be used as the bot's api_url: the bot
	// calls URL+"/bot"+token+"/"+method.
	URL string

	opts Options
	spec *apiSpec
	log  *slog.Logger
	ts   *httptest.Server

	done      chan struct{} // closed by Close; ends open long polls
	closeOnce sync.Once

	mu             sync.Mutex // guards every field below
	changed        chan struct{}
	chats          map[int64]*chatState
	users          map[int64]User
	admins         map[int64][]User
	updates        []pendingUpdate
	past           map[int]pendingUpdate // every update ever queued, for Redeliver
	nextUpdateID   int
	allowedUpdates []string
	poll           *longPoll
	webhook        string
	calls          []Call
	count429       int
	failures       map[string][]*failure // by failureKey
	migrated       map[int64]int64       // group id → the supergroup it became
	secondPoller   bool                  // another instance polls with the token
	pollHangUpLag  time.Duration         // see Options.PollHangUpDelay
	limiter        *limiter
	queries        map[string]*callbackQuery
	answers        map[string][]CallbackAnswer
	commands       map[commandKey][]BotCommand
	files          map[string]*storedFile
	blobs          map[string]*blob // by file_id: what getFile serves
	paths          map[string]*blob // by file_path: what the file route serves
	downloads      []Download
	downloadFaults []*DownloadFault
	localDir       string // see LocalFiles
	localWrite     bool
	nextFile       int
	nextGroup      int64
	nextQuery      int64
}

// failure is a scripted error answer, see FailNext.
type failure struct {
	status int
	desc   string
	left   int
}

// handler serves one Bot API method with the Server's mutex held.
type handler func(s *Server, req *request) (any, *apiError)

// handlers lists the implemented methods, the ones the bot calls; other
// methods of the spec get 501.
var handlers = map[string]handler{
	"getMe":               (*Server).getMeLocked,
	"sendMessage":         (*Server).sendMessageLocked,
	"sendPhoto":           (*Server).sendPhotoLocked,
	"sendDocument":        (*Server).sendDocumentLocked,
	"sendMediaGroup":      (*Server).sendMediaGroupLocked,
	"editMessageText":     (*Server).editMessageTextLocked,
	"editMessageCaption":  (*Server).editMessageCaptionLocked,
	"editMessageMedia":    (*Server).editMessageMediaLocked,
	"deleteMessage":       (*Server).deleteMessageLocked,
	"answerCallbackQuery": (*Server).answerCallbackQueryLocked,
	"setMyCommands":       (*Server).setMyCommandsLocked,
	"deleteWebhook":       (*Server).deleteWebhookLocked,
	"getFile":             (*Server).getFileLocked,
}

// NewServer starts a fake Bot API server on a loopback port.
func NewServer(opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		opts:          opts,
		spec:          loadSpec(),
		log:           opts.Logger.With("component", "telegramtest"),
		done:          make(chan struct{}),
		changed:       make(chan struct{}),
		chats:         map[int64]*chatState{},
		users:         map[int64]User{},
		admins:        map[int64][]User{},
		nextUpdateID:  100000,
		past:          map[int]pendingUpdate{},
		webhook:       opts.Webhook,
		failures:      map[string][]*failure{},
		migrated:      map[int64]int64{},
		pollHangUpLag: opts.PollHangUpDelay,
		limiter:       newLimiter(opts.Limits),
		queries:       map[string]*callbackQuery{},
		answers:       map[string][]CallbackAnswer{},
		commands:      map[commandKey][]BotCommand{},
		files:         map[string]*storedFile{},
		blobs:         map[string]*blob{},
		paths:         map[string]*blob{},
		nextGroup:     13000000000000000,
		nextQuery:     4000000000000000000,
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// Close shuts the server down. Open getUpdates long polls are answered
// first, so Close returns promptly. Close is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.ts.Close()
	})
}

// Bot returns the bot's own user, as getMe describes it.
func (s *Server) Bot() User {
	return User{ID: s.opts.BotID, FirstName: s.opts.BotName, Username: s.opts.BotUsername, IsBot: true}
}

// Token returns the token the server accepts.
func (s *Server) Token() string { return s.opts.Token }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		s.serveFile(w, r, rest)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	token, name, _ := strings.Cut(rest, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		s.finish(w, Call{Method: name, Time: now}, nil, errNotFound)
		return
	}
	if token != s.opts.Token {
		s.finish(w, Call{Method: name, Time: now}, nil, errUnauthorized)
		return
	}
	method, known := s.spec.method(name)
	if !known {
		s.finish(w, Call{Method: name, Time: now}, nil, errNotFound)
		return
	}
	params, files, perr := parseParams(r)
	if perr != nil {
		s.finish(w, Call{Method: method, Time: now}, nil, perr)
		return
	}
	req := &request{method: method, params: params, files: files, now: now}
	call := Call{Method: method, Params: maps.Clone(params), Uploads: req.uploads(), Time: now}
	if method == "getUpdates" {
		s.serveGetUpdates(w, r, req, call)
		return
	}
	s.mu.Lock()
	result, aerr := s.dispatchLocked(req)
	s.recordLocked(call, aerr)
	s.mu.Unlock()
	respond(w, result, aerr)
}

// finish records and answers a request that never reached a handler.
func (s *Server) finish(w http.ResponseWriter, call Call, result any, aerr *apiError) {
	s.mu.Lock()
	s.recordLocked(call, aerr)
	s.mu.Unlock()
	respond(w, result, aerr)
}

func respond(w http.ResponseWriter, result any, aerr *apiError) {
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeResult(w, result)
}

// dispatchLocked runs scripted failures, spec validation, flood control
// and the method's handler.
func (s *Server) dispatchLocked(req *request) (any, *apiError) {
	if f := s.takeFailureLocked(req); f != nil {
		return nil, f
	}
	if to, ok := s.migrated[req.int64Param("chat_id")]; ok && req.has("chat_id") {
		return nil, &apiError{code: http.StatusBadRequest, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: to}
	}
	if err := s.spec.checkParams(req); err != nil {
		return nil, err
	}
	h := handlers[req.method]
	if h == nil {
		return nil, &apiError{code: http.StatusNotImplemented, desc: "Not Implemented: telegramtest does not implement " + req.method}
	}
	counted := countedMethods[req.method]
	var chatID int64
	var group bool
	if counted {
		chatID = req.int64Param("chat_id")
		if cs := s.chats[chatID]; cs != nil {
			group = cs.chat.isGroup()
		}
		if n, ok := s.limiter.check(chatID, group, req.now); !ok {
			return nil, tooManyRequests(n)
		}
	}
	result, err := h(s, req)
	if err == nil && counted {
		s.limiter.record(chatID, group, req.now)
	}
	return result, err
}

// takeFailureLocked pops the next scripted failure for the request's
// method, in its chat (see FailNextIn) or in any chat (FailNext), if any.
func (s *Server) takeFailureLocked(req *request) *apiError {
	key := failureKey(req.method, 0)
	if req.has("chat_id") {
		if k := failureKey(req.method, req.int64Param("chat_id")); len(s.failures[k]) > 0 {
			key = k
		}
	}
	queue := s.failures[key]
	if len(queue) == 0 {
		return nil
	}
	f := queue[0]
	f.left--
	if f.left <= 0 {
		s.failures[key] = queue[1:]
	}
	e := &apiError{code: f.status, desc: f.desc}
	if f.status == http.StatusTooManyRequests {
		e.retryAfter = 1
	}
	return e
}

// recordLocked stores the call with its outcome and wakes waiters.
func (s *Server) recordLocked(call Call, aerr *apiError) {
	call.Status = http.StatusOK
	if aerr != nil {
		call.Status = aerr.code
		call.Error = aerr.desc
		call.RetryAfter = aerr.retryAfter
	}
	if call.Status == http.StatusTooManyRequests {
		s.count429++
	}
	s.calls = append(s.calls, call)
	s.log.Debug("request", "method", call.Method, "status", call.Status, "error", call.Error)
	s.notifyLocked()
}

// notifyLocked wakes everything waiting on Changed.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// failureKey names a queue of scripted failures: a method's (case-insensitive)
// in one chat, or in every chat for chat 0.
func failureKey(method string, chat int64) string {
	key := strings.ToLower(method)
	if chat != 0 {
		key += "@" + strconv.FormatInt(chat, 10)
	}
	return key
}
