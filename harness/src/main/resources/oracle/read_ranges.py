# Runs inside a UML guest: reads byte ranges of a ubd device with O_DIRECT in 4 KiB reads (larger
# ones return shifted data on the real kernel's COW devices, bug B1) and copies them, in order,
# into a file on the host (the guest's root is the host's, over hostfs).
# usage: python3 read_ranges.py DEVICE RANGES OUT   (RANGES: lines "offset length", 4 KiB aligned)
import mmap, os, sys

dev = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)  # page-aligned, as O_DIRECT wants
with open(sys.argv[2]) as ranges, open(sys.argv[3], "wb") as out:
    for line in ranges:
        off, length = map(int, line.split())
        while length > 0:
            n = min(length, 4096)
            got = os.preadv(dev, [memoryview(buf)[:n]], off)
            if got != n:
                sys.exit("short read at %d: %d of %d bytes" % (off, got, n))
            out.write(buf[:n])
            off += n
            length -= n
print("ok")
