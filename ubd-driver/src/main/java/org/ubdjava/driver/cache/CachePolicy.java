package org.ubdjava.driver.cache;

import java.util.Locale;

/** The eviction policies of the shared backing cache, by their command-line names. */
public enum CachePolicy {
    /** No cache layer: every backing read goes to the host file (and the host's page cache). */
    NONE("none"),
    LRU("lru"),
    CLOCK("clock"),
    W_TINYLFU("w-tinylfu"),
    ARC("arc"),
    SIEVE("sieve"),
    S3_FIFO("s3-fifo"),
    TWO_Q("2q");

    private final String cliName;

    CachePolicy(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** A policy for {@code capacity} slots; NONE has none. */
    public EvictionPolicy create(int capacity) {
        return switch (this) {
            case LRU -> new LruPolicy(capacity);
            case CLOCK -> new ClockPolicy(capacity);
            case W_TINYLFU -> new TinyLfuPolicy(capacity);
            case ARC -> new ArcPolicy(capacity);
            case SIEVE -> new SievePolicy(capacity);
            case S3_FIFO -> new S3FifoPolicy(capacity);
            case TWO_Q -> new TwoQPolicy(capacity);
            case NONE -> throw new IllegalStateException("policy 'none' caches nothing");
        };
    }

    public static CachePolicy parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (CachePolicy p : values()) {
            if (p.cliName.equals(t) || p.name().equalsIgnoreCase(t)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown cache policy '" + text + "' (" + names() + ")");
    }

    /** Every policy's name, comma-separated, for messages and help. */
    public static String names() {
        StringBuilder b = new StringBuilder();
        for (CachePolicy p : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(p.cliName);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return cliName;
    }
}
