# syntax=docker/dockerfile:1
#
# Build:  docker build -t imaginebot .
# Run:    docker run --rm \
#           -v "$PWD/config.yaml:/etc/imaginebot/config.yaml:ro" \
#           -v imaginebot-data:/data \
#           -e TELEGRAM_TOKEN -e DISCORD_TOKEN -e SD_PASSWORD -e WEB_ADMIN_PASSWORD \
#           -p 127.0.0.1:8080:8080 \
#           imaginebot
# Demo:   docker run --rm -p 127.0.0.1:8080:8080 imaginebot demo -addr 0.0.0.0:8080
# The config is read from /etc/imaginebot/config.yaml; secrets come from the
# environment through ${VAR} in that file. The store (queued jobs, results,
# users' settings) lives in the volume /data: the example config's
# store.path is ${IMAGINEBOT_DB:-imaginebot.db}, and this image sets
# IMAGINEBOT_DB=/data/imaginebot.db. The web front end (web.listen, e.g.
# 0.0.0.0:8080 in a container) and bot demo use port 8080.

FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bot ./cmd/bot
# The data directory, made here because the final image has no shell.
RUN mkdir -p /out/data

# distroless/static: no shell, CA certificates and tzdata included, runs as
# the unprivileged user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /usr/local/bin/bot
COPY config.yaml.example /etc/imaginebot/config.yaml.example
# A named volume starts as a copy of this directory, owned by nonroot; a
# bind-mounted host directory must be writable by uid 65532.
COPY --from=build --chown=65532:65532 /out/data /data
ENV IMAGINEBOT_DB=/data/imaginebot.db
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/bot"]
CMD ["-config", "/etc/imaginebot/config.yaml"]
