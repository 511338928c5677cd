package org.ubdjava.bench.compare;

/** What one benchmark run does; the same definitions for every system. */
enum Workload {
    RAND_READ_HALF("4k-randread-cow-half", 4096, false, false, "4 KiB random reads, COW file holding half the blocks"),
    RAND_READ_EMPTY("4k-randread-cow-empty", 4096, false, false, "4 KiB random reads, empty COW file: all from the backing file"),
    RAND_WRITE("4k-randwrite", 4096, true, false, "4 KiB random writes into the COW file"),
    SEQ_READ("1m-seqread", 1 << 20, false, true, "1 MiB sequential reads, empty COW file"),
    SEQ_WRITE("1m-seqwrite", 1 << 20, true, true, "1 MiB sequential writes into the COW file"),
    TRACE("trace", 0, false, false, "the bench's trace (default: the shipped guest-scan.iolog), each VM started at a different point, as fast as possible");

    final String id;
    final int blockSize;
    final boolean write;
    final boolean sequential;
    final String description;

    Workload(String id, int blockSize, boolean write, boolean sequential, String description) {
        this.id = id;
        this.blockSize = blockSize;
        this.write = write;
        this.sequential = sequential;
        this.description = description;
    }
}
