# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript with the dev dependencies, then ship only dist/, public/
# and the production node_modules, run as the unprivileged `node` user.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    CREDENTIALS_DIR=/app/credentials \
    DATA_DIR=/app/data \
    SCHEDULER_FILE=/app/data/scheduler.json
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node public ./public
RUN mkdir -p /app/credentials /app/data && chown node:node /app/credentials /app/data
USER node
VOLUME ["/app/credentials", "/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The same command as `npm start` runs after its build (test/docker.test.ts checks they agree).
CMD ["node", "dist/main.js"]
