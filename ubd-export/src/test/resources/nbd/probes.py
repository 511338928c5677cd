"""Probes an NBD export with libnbd in non-strict mode, so that every request goes on the wire as
sent, however careless: prints one JSON object, probe name -> outcome ("ok", an errno name such
as "EINVAL", or "dead: ..." when the connection did not survive). Usage: probes.py URI MODE, with
MODE rw (a writable export), ro (read-only), notrim (no trim or zero offered) or simple (no
structured replies, no metadata context)."""
import errno
import json
import sys

import nbd

uri, mode = sys.argv[1], sys.argv[2]
h = nbd.NBD()
h.set_strict_mode(0)
if mode == "simple":
    h.set_request_structured_replies(False)
else:
    h.add_meta_context(nbd.CONTEXT_BASE_ALLOCATION)
h.connect_uri(uri)
size = h.get_size()
res = {}


def probe(name, fn):
    try:
        fn()
        res[name] = "ok"
    except nbd.Error as e:
        if e.errno:
            res[name] = errno.errorcode.get(e.errno, str(e.errno))
        else:
            res[name] = "dead: " + (e.string or "?")
    # a probe must never cost the connection: look after each one
    if not h.aio_is_ready() and not h.aio_is_processing():
        res[name] = "dead: " + res[name]
        print(json.dumps(res, sort_keys=True))
        sys.exit(0)


def extents(offset, length, flags=0):
    got = []

    def cb(metacontext, off, entries, err):
        got.append((metacontext, off, list(entries)))
        return 0
    h.block_status(length, offset, cb, flags)
    return got


res["offers_fua"] = bool(h.can_fua())
res["offers_fast_zero"] = bool(h.can_fast_zero())
res["offers_cache"] = bool(h.can_cache())
res["offers_trim"] = bool(h.can_trim())
res["offers_zero"] = bool(h.can_zero())
res["offers_flush"] = bool(h.can_flush())
res["offers_multi_conn"] = bool(h.can_multi_conn())
res["offers_base_allocation"] = mode != "simple" and bool(h.can_meta_context(nbd.CONTEXT_BASE_ALLOCATION))

probe("read_0", lambda: h.pread(0, 0))
probe("read_0_at_end", lambda: h.pread(0, size))
probe("write_0", lambda: h.pwrite(b"", 0))
probe("trim_0", lambda: h.trim(0, 0))
probe("zero_0", lambda: h.zero(0, 0))
probe("cache_0", lambda: h.cache(0, 0))
probe("flush", lambda: h.flush())
probe("block_status_0", lambda: extents(0, 0))
probe("read_past_end", lambda: h.pread(4096, size))
probe("read_across_end", lambda: h.pread(8192, size - 4096))
probe("write_past_end", lambda: h.pwrite(b"y" * 4096, size))
probe("trim_past_end", lambda: h.trim(4096, size))
probe("zero_past_end", lambda: h.zero(4096, size))
probe("cache_past_end", lambda: h.cache(4096, size))
probe("block_status_past_end", lambda: extents(size, 4096))
probe("read_offset_2_63", lambda: h.pread(512, 1 << 63))
probe("read_unknown_flag", lambda: h.pread(512, 0, 1 << 6))
probe("read_no_hole_flag", lambda: h.pread(512, 0, nbd.CMD_FLAG_NO_HOLE))
probe("read_fast_zero_flag", lambda: h.pread(512, 0, nbd.CMD_FLAG_FAST_ZERO))
probe("write_fast_zero_flag", lambda: h.pwrite(b"w" * 512, 0, nbd.CMD_FLAG_FAST_ZERO))
probe("flush_req_one_flag", lambda: h.flush(nbd.CMD_FLAG_REQ_ONE))
probe("block_status_df_flag", lambda: extents(0, 4096, nbd.CMD_FLAG_DF))
probe("read_df", lambda: h.pread(4096, 0, nbd.CMD_FLAG_DF))
probe("read_fua", lambda: h.pread(4096, 0, nbd.CMD_FLAG_FUA))
probe("cache", lambda: h.cache(65536, 0))
probe("cache_fua", lambda: h.cache(65536, 0, nbd.CMD_FLAG_FUA))
probe("flush_fua", lambda: h.flush(nbd.CMD_FLAG_FUA))
probe("write_fua", lambda: h.pwrite(b"x" * 4096, 0, nbd.CMD_FLAG_FUA))
probe("write", lambda: h.pwrite(b"x" * 4096, 4096))
probe("trim", lambda: h.trim(16384, 8192))
probe("trim_fua", lambda: h.trim(16384, 8192, nbd.CMD_FLAG_FUA))
probe("zero", lambda: h.zero(32768, 8192))
probe("zero_fast", lambda: h.zero(32768, 8192, nbd.CMD_FLAG_FAST_ZERO))
probe("zero_fast_fua", lambda: h.zero(32768, 8192, nbd.CMD_FLAG_FAST_ZERO | nbd.CMD_FLAG_FUA))
probe("zero_no_hole", lambda: h.zero(32768, 8192, nbd.CMD_FLAG_NO_HOLE))
probe("zero_no_hole_fast", lambda: h.zero(32768, 8192, nbd.CMD_FLAG_NO_HOLE | nbd.CMD_FLAG_FAST_ZERO))
probe("block_status", lambda: extents(0, 1 << 20))
probe("block_status_req_one", lambda: extents(0, size, nbd.CMD_FLAG_REQ_ONE))
probe("block_status_fua", lambda: extents(0, 4096, nbd.CMD_FLAG_FUA))
probe("read_unaligned", lambda: h.pread(100, 1))
probe("write_unaligned", lambda: h.pwrite(b"z" * 100, 1))
probe("trim_unaligned", lambda: h.trim(100, 1))
probe("read_after_all", lambda: h.pread(4096, 0))

if mode != "simple" and res["block_status"] == "ok":
    # the shape of the answers, not just their success
    one = extents(0, size, nbd.CMD_FLAG_REQ_ONE)
    res["req_one_descriptors"] = [len(e) // 2 for (_, _, e) in one]
    res["req_one_within_request"] = all(sum(e[0::2]) <= size for (_, _, e) in one)
    some = extents(4096, 65536)
    res["block_status_contexts"] = sorted({m for (m, _, _) in some})
    res["block_status_covers_at_most_request"] = all(sum(e[0::2]) <= 65536 and all(n > 0 for n in e[0::2]) for (_, _, e) in some)
    lies = []
    for (_, off, e) in extents(0, 1 << 20):
        for n, status in zip(e[0::2], e[1::2]):
            if status & nbd.STATE_ZERO and h.pread(n, off) != bytes(n):
                lies.append(off)
            off += n
    res["zero_status_never_lies"] = not lies
    res["zeroed_range_reads_zeros"] = h.pread(32768, 8192) == bytes(32768)

print(json.dumps(res, sort_keys=True))
h.shutdown()
