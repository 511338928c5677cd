package org.ubdjava.bench.compare;

import org.ubdjava.bench.Xorshift;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.HdrHistogram.Histogram;

/**
 * The floor: one thread doing FileChannel pread/pwrite on the host file itself (reads from the
 * backing file, writes into a scratch file of the same size), warm page cache, depth 1.
 */
final class RawFileLoad {
    private RawFileLoad() {
    }

    static Measurement run(FileChannel backing, FileChannel scratch, Workload w, TracePages trace, long warmMillis,
                           long measureMillis) throws IOException {
        long size = backing.size();
        long pages = size >>> 12;
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        Xorshift rng = new Xorshift(7);
        Histogram h = new Histogram(3);
        long cursor = 0;
        int record = 0;
        long ops = 0;
        long bytes = 0;
        long warmEnd = System.nanoTime() + warmMillis * 1_000_000;
        long t0 = 0;
        long end = Long.MAX_VALUE;
        boolean measuring = false;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= warmEnd) {
                measuring = true;
                t0 = now;
                end = now + measureMillis * 1_000_000;
                ops = 0;
                bytes = 0;
                h.reset();
            } else if (now >= end) {
                return new Measurement(BenchSystem.RAW, w, 1, 1, ops, bytes, (now - t0) / 1e9, h.getValueAtPercentile(50) / 1e3,
                        h.getValueAtPercentile(99) / 1e3, Double.NaN, Double.NaN, "FileChannel pread/pwrite, one thread");
            }
            long offset;
            int len = w.blockSize;
            boolean write = w.write;
            if (w == Workload.TRACE) {
                int r = record++ % trace.count;
                int n = Math.min(trace.lastPage[r] - trace.firstPage[r] + 1, 256);
                offset = Math.min(trace.firstPage[r] % pages, pages - n) << 12;
                len = n << 12;
                write = trace.write[r];
            } else if (w.sequential) {
                offset = cursor % (size - len + 1) / len * len;
                cursor += len;
            } else {
                offset = rng.next(size / len) * len;
            }
            buf.clear().limit(len);
            long s = System.nanoTime();
            FileChannel ch = write ? scratch : backing;
            long pos = offset;
            while (buf.hasRemaining()) {
                int n = write ? ch.write(buf, pos) : ch.read(buf, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            h.recordValue(System.nanoTime() - s);
            ops++;
            bytes += len;
        }
    }
}
