package org.ubdjava.bench.compare;

import java.nio.file.Path;
import java.util.Arrays;

import org.ubdjava.harness.trace.TraceOp;
import org.ubdjava.harness.trace.TraceReader;
import org.ubdjava.harness.trace.TraceReaders;
import org.ubdjava.harness.trace.TraceRecord;

/**
 * A block trace reduced to what a page cache sees: for each read or write record, its first and
 * last 4 KiB page, in primitive arrays read once.
 */
final class TracePages {
    final int count;
    final boolean[] write;
    final int[] firstPage;
    final int[] lastPage;
    final int pages;

    TracePages(int count, boolean[] write, int[] firstPage, int[] lastPage) {
        this.count = count;
        this.write = write;
        this.firstPage = firstPage;
        this.lastPage = lastPage;
        int max = 0;
        for (int i = 0; i < count; i++) {
            max = Math.max(max, lastPage[i]);
        }
        this.pages = max + 1;
    }

    /** Reads and writes of the trace, at most {@code limit} of them (0: all). */
    static TracePages read(Path trace, int limit) {
        return read(TraceReaders.open(trace), limit);
    }

    /** Reads and writes of what {@code trace} reads (it is closed), at most {@code limit} of them (0: all). */
    static TracePages read(TraceReader trace, int limit) {
        int cap = 1 << 16;
        boolean[] w = new boolean[cap];
        int[] f = new int[cap];
        int[] l = new int[cap];
        int n = 0;
        TraceRecord.Mutable r = new TraceRecord.Mutable();
        try (TraceReader reader = trace) {
            while (reader.next(r) && (limit == 0 || n < limit)) {
                if ((r.op() != TraceOp.READ && r.op() != TraceOp.WRITE) || r.length() == 0) {
                    continue;
                }
                if (n == cap) {
                    cap *= 2;
                    w = Arrays.copyOf(w, cap);
                    f = Arrays.copyOf(f, cap);
                    l = Arrays.copyOf(l, cap);
                }
                w[n] = r.op() == TraceOp.WRITE;
                f[n] = (int) (r.offset() >>> 12);
                l[n] = (int) ((r.end() - 1) >>> 12);
                n++;
            }
        }
        return new TracePages(n, w, f, l);
    }
}
