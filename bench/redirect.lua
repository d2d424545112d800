-- wrk script for bench/redirect: random short codes, browser-like headers, a random public
-- client address behind one trusted TLS proxy; counts responses by status exactly.
-- Environment: BENCH_CODES (file, one code per line), BENCH_PREFIX ("/" or "/bench-302/"),
-- BENCH_SKEW (1 = uniform; k > 1 = index n*u^k, a few hot links and a long tail);
-- BENCH_PATH (optional): that one path for every request instead (e.g. /health).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local user_agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
}

function init(args)
  counts = {}
  codes = {}
  for line in io.lines(os.getenv("BENCH_CODES")) do
    codes[#codes + 1] = line
  end
  prefix = os.getenv("BENCH_PREFIX") or "/"
  skew = tonumber(os.getenv("BENCH_SKEW") or "1")
  fixed_path = os.getenv("BENCH_PATH")
  math.randomseed(os.time() * 1000 + id)
end

function request()
  local u = math.random()
  if skew ~= 1 then u = u ^ skew end
  local code = codes[math.floor(u * #codes) + 1]
  local ip = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255),
    math.random(0, 255), math.random(1, 254))
  local headers = {
    ["User-Agent"] = user_agents[math.random(#user_agents)],
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["X-Forwarded-For"] = ip,
    ["X-Forwarded-Proto"] = "https",
  }
  if fixed_path then return wrk.format("GET", fixed_path, headers) end
  return wrk.format("GET", prefix .. code .. "?utm_source=bench", headers)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + n
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.connect, errors.read, errors.write, errors.timeout))
  for status, n in pairs(total) do
    io.write(string.format("BENCH status %d %d\n", status, n))
  end
end
