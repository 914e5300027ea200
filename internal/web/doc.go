// Package web is imaginebot's web front end: a playground page where
// anyone (or, with web.playground: admins, only signed-in admins) makes
// images through the same core, fair queue and limits as the chat users,
// and the admin sign-in the admin pages sit behind. It is built on the
// standard library only: net/http, html/template, embed, and one small
// plain script (static/app.js) with no framework and no build step.
//
// The page at / has a form (a prompt field named prompt, and more
// options: negative terms, shape or size, steps, seed, style, count, hires
// fix). Its script posts the form with fetch and shows the job at once
// from the answer (its place in the queue); the same form works without
// script as a plain POST and redirect. Each job then updates live over
// Server-Sent Events (GET /events): one <img> per job shows the previews
// as they arrive (/job/{id}/preview?v=N, from memory) and then the
// result (/job/{id}/image/{i}.png, from the core's store), with the seed
// and the buttons the chats have: cancel, reroll, try again, upscale,
// vary, and download PNG. Bad input and refusals come back as the core's
// one-line reasons, next to the form. Pages are in English or Simplified
// Chinese, by the browser's Accept-Language.
//
// A browser is a session: a random secret in an HttpOnly, SameSite=Lax
// cookie (sent on links from other sites, so they keep the session). The user id the core, the store and the logs see
// (imagine.Requester{Platform: imagine.Web, UserID: ...}) is a hash of
// it, so the secret never leaves the cookie, and the same browser is the
// same user after a restart: every tab of a browser shares its queue
// turns, different browsers are different users. Jobs survive restarts
// through the core's store (ref.go): a reload shows them.
//
// Live updates never wait on a browser: a job's editor (editor.go) reads
// its imagine.Watch, which keeps only the newest status, and hands each
// view to the hub, which leaves it with every stream of the job's owner
// as that job's newest view (latest wins, one per job). A stream that
// cannot write within Config.WriteTimeout is dropped; a browser that goes
// away leaves its jobs running.
//
// Security (access.go): admins sign in with web.admin_password, checked
// in constant time; failed sign-ins are limited per address and in all;
// sign-ins live in memory for web.admin_session. Every state-changing
// request carries the session's CSRF token (a form field, or a header for
// fetch), an HMAC of the session with a per-process key, and must not
// come from another origin. A session costs only a cookie, so one client
// address has bounded jobs, streams and new sessions (Config.MaxJobsPerAddress,
// MaxStreamsPerAddress, NewSessionsPerAddress); behind Config.TrustedProxies
// the address is the forwarded client's (proxy.go). Every page is
// html/template, and every answer
// carries a Content-Security-Policy without inline script or style,
// frame-ancestors 'none', nosniff and a same-origin referrer policy.
//
// The admin dashboard (/admin, admin.go, dashboard.go, dashfeed.go,
// charts.go) is there when the core has an admin side (AdminCore, as
// *imagine.Service does): the live queue with each running job's preview,
// the backends with a model switch, the blocked users, a gallery of
// everyone's recent results and SVG charts of the last hour, drawn by the
// server. Admins cancel any job and block or unblock users from it. It
// updates over one shared feed (GET /admin/events): a single goroutine
// reads the core every Config.DashboardRefresh while anyone watches,
// renders each live section once per language and leaves it with every
// viewer, newest only; a viewer that stalls is skipped, then dropped
// after Config.WriteTimeout. Every dashboard route needs a live admin
// sign-in, every action the CSRF token too.
//
// Files follow internal/frontend's skeleton where a role exists
// (adapter.go, run.go, imagine.go, buttons.go, editor.go, render.go,
// ref.go, access.go, health.go, texts.go); a web server adds server.go
// (routes, headers, pages), events.go (the event streams), proxy.go
// (the client's address and host behind trusted proxies), the
// dashboard's files, templates/ and static/.
package web
