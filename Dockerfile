# syntax=docker/dockerfile:1
#
# Build:  docker build -t imaginebot .
# Run:    docker run --rm \
#           -v "$PWD/config.yaml:/etc/imaginebot/config.yaml:ro" \
#           -e TELEGRAM_TOKEN -e DISCORD_TOKEN -e SD_PASSWORD \
#           imaginebot
# The config is read from /etc/imaginebot/config.yaml; secrets come from the
# environment through ${VAR} in that file.

FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/bot ./cmd/bot

# distroless/static: no shell, CA certificates and tzdata included, runs as
# the unprivileged user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bot /usr/local/bin/bot
COPY config.yaml.example /etc/imaginebot/config.yaml.example
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/bot"]
CMD ["-config", "/etc/imaginebot/config.yaml"]
