# syntax=docker/dockerfile:1

# ---- build: compile TypeScript to dist/ and bundle it (dist/service.js) ------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependency install scripts are not needed (see STACK notes) and @parcel/watcher's
# could fall back to a node-gyp build, which the slim image cannot do.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the compiled service --------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
# As package.json's start:prod: the C heap hands large blocks back to the system when freed
# instead of keeping them (docs/operations.md, Start-up and memory).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Only used when DATABASE_URL is unset (embedded PostgreSQL) and for DATA_DIR files.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The bundle through its launcher, from the V8 code cache it keeps under DATA_DIR (/app/.data).
CMD ["node", "dist/src/start-bundled.js"]
