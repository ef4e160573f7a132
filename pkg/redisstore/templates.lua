-- One template observation, atomically (see templates.go).
-- KEYS: 1 counts hash, 2 pages hash (page key → its line hashes, packed 8
-- bytes each), 3 ring list (page keys, oldest first).
-- ARGV: 1 page key (8 bytes), 2 window (at most 65535), 3 idle TTL (ms),
-- 4 the page's distinct line hashes, packed 8 bytes each.
-- Reply: {pages in the window, count of line 1, count of line 2, ...}.
--
-- The counts hash has one field per bucket, the first 10 bits of a line
-- hash (2 bytes: the first byte and the second one mod 4; at most 1024
-- fields); its value packs an entry per line: bytes 2-8 of the hash and the
-- count (2 bytes, big-endian), 9 bytes, unordered. One field per line would
-- cost about 56 B per line once the hash is a hash table; fewer, larger
-- buckets would cost less memory but rewrite more bytes per observation.
--
-- Calls are what a script costs, so the touched buckets are read with one
-- HMGET, changed in Lua and written back with one HSET and one HDEL: a
-- new page whose arrival evicts the oldest one makes about ten calls
-- whatever its number of lines.
--
-- The first write is the HSETNX of the page: a Redis refusing writes (OOM
-- under noeviction) fails the script there, before anything was changed.
local counts, pages, ring = KEYS[1], KEYS[2], KEYS[3]
local page, window, ttl, lines = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local sub, byte, char, find = string.sub, string.byte, string.char, string.find

-- bucket returns the field of h's bucket: its first 10 bits.
local function bucket(h)
  return sub(h, 1, 1) .. char(byte(h, 2) % 4)
end

-- buckets holds the value of every bucket read, by its field.
local buckets = {}

-- load reads the buckets of the line hashes in hs that are not loaded yet.
local function load(hs)
  local want, seen = {}, {}
  for _, h in ipairs(hs) do
    local b = bucket(h)
    if buckets[b] == nil and not seen[b] then
      seen[b] = true
      want[#want + 1] = b
    end
  end
  if #want == 0 then return end
  local got = redis.call('HMGET', counts, unpack(want)) -- at most 1024 fields
  for i, b in ipairs(want) do buckets[b] = got[i] or '' end
end

-- locate returns the position of h's entry in its bucket value s, or nil.
local function locate(s, rest)
  local from = 1
  while true do
    local at = find(s, rest, from, true)
    if at == nil then return nil end
    if (at - 1) % 9 == 0 then return at end
    from = at + 1
  end
end

local function count(h)
  local s = buckets[bucket(h)]
  local at = locate(s, sub(h, 2))
  if at == nil then return 0 end
  local hi, lo = byte(s, at + 7, at + 8)
  return hi * 256 + lo
end

local mine = {}
for i = 1, #lines, 8 do mine[#mine + 1] = sub(lines, i, i + 7) end

local n
if redis.call('HSETNX', pages, page, lines) == 1 then
  local delta, order = {}, {}
  for _, h in ipairs(mine) do
    delta[h] = 1
    order[#order + 1] = h
  end
  n = redis.call('RPUSH', ring, page)
  while n > window do
    local old = redis.call('LPOP', ring)
    n = n - 1
    local held = redis.call('HGET', pages, old)
    if held then
      redis.call('HDEL', pages, old)
      for i = 1, #held, 8 do
        local h = sub(held, i, i + 7)
        if delta[h] == nil then
          delta[h] = 0
          order[#order + 1] = h
        end
        delta[h] = delta[h] - 1
      end
    end
  end
  load(order)
  local changed = {}
  for _, h in ipairs(order) do
    local d = delta[h]
    if d ~= 0 then
      local b, rest = bucket(h), sub(h, 2)
      local s = buckets[b]
      local at = locate(s, rest)
      local c = d
      if at ~= nil then
        local hi, lo = byte(s, at + 7, at + 8)
        c = hi * 256 + lo + d
        s = sub(s, 1, at - 1) .. sub(s, at + 9)
      end
      if c > 0 then
        s = s .. rest .. char(math.floor(c / 256), c % 256)
      end
      buckets[b] = s
      changed[b] = true
    end
  end
  local set, del = {}, {}
  for b in pairs(changed) do
    if buckets[b] == '' then
      del[#del + 1] = b
    else
      set[#set + 1] = b
      set[#set + 1] = buckets[b]
    end
  end
  if #set > 0 then redis.call('HSET', counts, unpack(set)) end
  if #del > 0 then redis.call('HDEL', counts, unpack(del)) end
else
  n = redis.call('HLEN', pages)
  load(mine)
end

local result = {n}
for i, h in ipairs(mine) do result[i + 1] = count(h) end

redis.call('PEXPIRE', counts, ttl)
redis.call('PEXPIRE', pages, ttl)
redis.call('PEXPIRE', ring, ttl)
return result
