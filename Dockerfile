# syntax=docker/dockerfile:1
# Node 20: the major CI tests on (.ci/run), and one better-sqlite3 12 ships binaries for.
# Both stages use the same base image, so a binding compiled in the build stage links against
# the very glibc and libstdc++ the runtime stage has.
ARG NODE_IMAGE=node:20-bookworm-slim

# Build stage: compile TypeScript with the full dependency set, then drop the dev ones.
FROM ${NODE_IMAGE} AS build
# better-sqlite3's install script is `prebuild-install || node-gyp rebuild --release`: it fetches
# a prebuilt binding from GitHub, and compiles SQLite and the binding itself when none can be
# fetched (no route to GitHub, an architecture or libc without a prebuilt binary). Compiling
# needs python3, make and g++; node-gyp takes Node's headers from the image (nodedir) instead
# of downloading them, so the fallback works without internet beyond the npm registry.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
# `--build-arg BUILD_FROM_SOURCE=true` never tries the download and always compiles.
ARG BUILD_FROM_SOURCE=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm_config_build_from_source=${BUILD_FROM_SOURCE} npm ci --no-audit --no-fund
# Fail the build here, not the first start: the native binding must load and answer.
RUN node -e "const D=require('better-sqlite3');const d=new D(':memory:');d.prepare('select 1 as one').get();d.close()"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev && npm cache clean --force

# Runtime stage: production dependencies (with better-sqlite3's native binding, fetched or built
# for this very image) and the compiled output only, as a non-root user; no compiler.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production PORT=3000 PINGOPS_DB=/app/data/pingops.db
# As npm start sets it (package.json): see docs/deploy.md, Memory.
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The SQLite store lives on a volume, so checks, history and restarts survive a new container
# (with PINGOPS_DATABASE_URL the store is PostgreSQL and the volume stays empty).
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Liveness, not readiness: /healthz answers 200 while the process serves HTTP. /readyz (503 while
# the store is degraded or the Ping API never answered) is for load balancers: a container
# restarted for it would lose the checks it keeps in memory. See docs/deploy.md.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form: node is PID 1 and gets SIGTERM itself (it drains, then exits; see README).
# The Node flags are those of `npm start` (package.json; a test holds the two together): a small
# young generation and a tight old one keep peak memory down (docs/deploy.md, "Memory").
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=20", "dist/main.js"]
