package org.ubdjava.bench.compare;

import com.fasterxml.jackson.annotation.JsonValue;

/** What a measurement ran on; the label is what the table, the JSON and the charts show. */
enum BenchSystem {
    /** The raw host file, one thread's pread/pwrite loop: the peer every ratio is against. */
    RAW("raw"),
    /** The shared cache's device layer alone, no ring. */
    CACHE_LAYER("cache-layer"),
    DRIVER("driver"),
    DRIVER_CACHE("driver+cache"),
    DRIVER_NBD("driver over NBD"),
    /** qemu-img bench on a qcow2 overlay. */
    QCOW2("qcow2"),
    QEMU_NBD("qemu-nbd"),
    /** The real UML driver, fio in the guest. */
    UML("uml"),
    /** ubd-java's vhost-user-blk back-end, fio in a UML guest (the same boot as {@link #UML}). */
    GUEST_VHOST("uml on ubd-java"),
    /** qemu-storage-daemon's vhost-user-blk export of a qcow2 overlay, fio in the same UML guest. */
    GUEST_QSD("uml on qsd"),
    /** The O_DIRECT study: the trace replayed with the backing file read buffered (the baseline), */
    BUFFERED("buffered"),
    /** with O_DIRECT and no cache, */
    DIRECT("direct"),
    /** with O_DIRECT and one shared cache, */
    DIRECT_SHARED("direct+shared"),
    /** with O_DIRECT and private caches of the same total. */
    DIRECT_PRIVATE("direct+private");

    private final String label;

    BenchSystem(String label) {
        this.label = label;
    }

    @JsonValue
    String label() {
        return label;
    }

    @Override
    public String toString() {
        return label;
    }
}
