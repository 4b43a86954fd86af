# syntax=docker/dockerfile:1
# Builds one newsflow service into a static binary on distroless, as
# non-root. SERVICE names a Go module under services/ whose main package is
# services/<SERVICE>/cmd/<SERVICE>; every service builds from this file. The
# build context is the repository root (the modules replace ../../pkg/* and
# ../../third_party/*):
#   docker build --build-arg SERVICE=dedupe -t newsflow/dedupe .
ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "set --build-arg SERVICE=<a folder under services/>" >&2; exit 1; }
WORKDIR /src
ENV GOWORK=off CGO_ENABLED=0 GOFLAGS=-buildvcs=false
# Module files first, so the download layer is cached until they change.
COPY pkg/schema/go.* pkg/schema/
COPY pkg/stage/go.* pkg/stage/
# Our copy of go-dateparser, which ingest's go.mod replaces (third_party/README.md).
COPY third_party/go-dateparser/go.* third_party/go-dateparser/
COPY services/${SERVICE}/go.* services/${SERVICE}/
RUN cd services/${SERVICE} && go mod download
# Then the sources this module builds from.
COPY pkg/schema/ pkg/schema/
COPY pkg/stage/ pkg/stage/
COPY third_party/go-dateparser/ third_party/go-dateparser/
COPY services/${SERVICE}/ services/${SERVICE}/
ARG TARGETOS TARGETARCH VERSION=dev
RUN --mount=type=cache,target=/root/.cache/go-build \
    cd services/${SERVICE} && \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/service ./cmd/${SERVICE}

FROM gcr.io/distroless/static-debian12:nonroot
# The binary has one name in every image, so that the entrypoint and the
# healthcheck need no build argument (exec form does not expand them).
COPY --from=build /out/service /service
USER nonroot:nonroot
ENV NEWSFLOW_HTTP_ADDR=:8080
EXPOSE 8080
# Distroless has no shell or curl: the binary checks its own /readyz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/service", "healthcheck"]
ENTRYPOINT ["/service"]
