-- One dedup claim, atomically (see store.go and dedup.Store).
-- ARGV: 1 prefix, 2 current bucket label, 3 previous bucket label,
-- 4 expiry of current-bucket keys (unix s), 5 shards, 6 max ids per band,
-- 7 encoded id, 8 content hash (16 bytes), 9 URL hash or "", 10 sketch,
-- 11.. band keys (8 bytes each).
-- Reply: {existed 0|1, previous hash or "", revision, seq (8 bytes),
-- owner or "", URL owner or "", candidate id, candidate record, ...}.
local prefix, cur, prev = ARGV[1], ARGV[2], ARGV[3]
local expat, shards, maxids = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local id, h, u, sk = ARGV[7], ARGV[8], ARGV[9], ARGV[10]

local touched = {}

local function shard(f)
  local a, b = string.byte(f, 1, 2)
  if a == 0 then
    -- A raw (non-hex) id: its leading bytes are not uniform, hash it.
    local x = 0
    for j = 1, #f do x = (x * 31 + string.byte(f, j)) % 65536 end
    return x % shards
  end
  return (a * 256 + (b or 0)) % shards
end

local function key(kind, label, f)
  return prefix .. kind .. label .. shard(f)
end

local function get(kind, f)
  local v = redis.call('HGET', key(kind, cur, f), f)
  if v then return v end
  return redis.call('HGET', key(kind, prev, f), f)
end

local function put(kind, f, v)
  local k = key(kind, cur, f)
  redis.call('HSET', k, f, v)
  touched[k] = true
end

-- Id index: revision and sequence number; the sketch is kept apart so both
-- values stay under hash-max-listpack-value (64 bytes) and the hashes compact.
local rec = get('i:', id)
local existed, prevh, rev, seq = 0, '', 0, nil
if rec then
  existed = 1
  prevh = string.sub(rec, 1, 16)
  rev = struct.unpack('>I4', rec, 17)
  seq = string.sub(rec, 21, 28)
  if prevh ~= h then
    rev = rev + 1
    put('i:', id, h .. struct.pack('>I4', rev) .. seq)
    put('s:', id, sk)
  end
else
  seq = struct.pack('>I8', redis.call('INCR', prefix .. 'seq'))
  put('i:', id, h .. struct.pack('>I4', 0) .. seq)
  put('s:', id, sk)
end

-- Exact index: the first id to claim a hash keeps it.
local function claim(f)
  local o = get('x:', f)
  if o then return o end
  put('x:', f, id)
  return ''
end
local owner = claim(h)
local uowner = ''
if u ~= '' then uowner = claim(u) end

-- Near index: list the ids under each band, then add this one.
local entry = string.char(#id) .. id
local seen, cands = {}, {}
for i = 11, #ARGV do
  local f = ARGV[i]
  local kc = key('b:', cur, f)
  local vc = redis.call('HGET', kc, f) or ''
  local v = vc .. (redis.call('HGET', key('b:', prev, f), f) or '')
  local j, present, n = 1, false, 0
  while j <= #v do
    local len = string.byte(v, j)
    local c = string.sub(v, j + 1, j + len)
    if c == id then
      present = true
    elseif not seen[c] then
      seen[c] = true
      cands[#cands + 1] = c
    end
    j = j + 1 + len
    n = n + 1
  end
  if not present and n < maxids then
    redis.call('HSET', kc, f, vc .. entry)
    touched[kc] = true
  end
end

for k in pairs(touched) do redis.call('EXPIREAT', k, expat) end

local out = {existed, prevh, rev, seq, owner, uowner}
for _, c in ipairs(cands) do
  local r = get('i:', c)
  if r then
    out[#out + 1] = c
    out[#out + 1] = r .. (get('s:', c) or '')
  end
end
return out
