-- wrk script for bench/flood: one client (one forwarded address) hammering one short link.
-- Environment: FLOOD_PATH ("/<code>"), FLOOD_IP (the client's address), FLOOD_ROTATE (0: one
-- user agent; k > 0: a new user agent every k requests of each wrk thread).

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  path = os.getenv("FLOOD_PATH")
  ip = os.getenv("FLOOD_IP")
  rotate = tonumber(os.getenv("FLOOD_ROTATE") or "0")
  sent = 0
end

function request()
  local agent = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0"
  if rotate > 0 then
    agent = agent .. " flood/" .. id .. "." .. math.floor(sent / rotate)
  end
  sent = sent + 1
  return wrk.format("GET", path, {
    ["User-Agent"] = agent,
    ["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["X-Forwarded-For"] = ip,
    ["X-Forwarded-Proto"] = "https",
  })
end
