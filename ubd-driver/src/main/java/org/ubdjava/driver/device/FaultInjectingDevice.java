package org.ubdjava.driver.device;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * A layer that lies, on purpose: it exists so that tests can prove a verifier notices a device
 * that reports success without doing the work. Never installed unless asked for.
 *
 * <ul>
 * <li>{@link Mode#DROP_WRITES}: every Nth write reports success but writes nothing (a lost write).</li>
 * <li>{@link Mode#STALE_READS}: every Nth read returns the right bytes with one byte changed, in
 *     the middle of its first sector (bad data that still looks plausible at the start).</li>
 * </ul>
 * Counting is per device, so the faults are deterministic for a given request order.
 */
public final class FaultInjectingDevice extends ForwardingDevice {
    public enum Mode {
        DROP_WRITES("drop-writes"),
        STALE_READS("stale-reads");

        private final String cliName;

        Mode(String cliName) {
            this.cliName = cliName;
        }

        public String cliName() {
            return cliName;
        }
    }

    /** What to inject and how often; parsed from "drop-writes:N" or "stale-reads:N". */
    public record Fault(Mode mode, int every) {
        public Fault {
            if (every < 1) {
                throw new IllegalArgumentException("fault period must be at least 1, got " + every);
            }
        }

        public static Fault parse(String text) {
            String[] parts = text.trim().toLowerCase(Locale.ROOT).split(":", 2);
            for (Mode m : Mode.values()) {
                if (m.cliName.equals(parts[0])) {
                    try {
                        return new Fault(m, parts.length == 2 ? Integer.parseInt(parts[1]) : 1);
                    } catch (NumberFormatException e) {
                        break;
                    }
                }
            }
            throw new IllegalArgumentException("bad fault '" + text + "' (expected drop-writes:N or stale-reads:N)");
        }

        public BlockDevice wrap(BlockDevice inner) {
            return new FaultInjectingDevice(inner, this);
        }

        @Override
        public String toString() {
            return mode.cliName + ":" + every;
        }
    }

    /** Where in the first sector a stale read changes a byte: past a 16-byte header a checker might stamp there. */
    static final int CORRUPT_AT = 300;

    private final Fault fault;
    private long writes;
    private long reads;
    private long injected;

    public FaultInjectingDevice(BlockDevice inner, Fault fault) {
        super(inner);
        this.fault = fault;
    }

    /** Faults injected so far. */
    public long injected() {
        return injected;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws IOException {
        inner.read(offset, dst);
        if (fault.mode == Mode.STALE_READS && ++reads % fault.every == 0 && dst.remaining() > CORRUPT_AT) {
            int at = dst.position() + CORRUPT_AT;
            dst.put(at, (byte) ~dst.get(at));
            injected++;
        }
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
        if (fault.mode == Mode.DROP_WRITES && ++writes % fault.every == 0) {
            injected++;
            return;
        }
        inner.write(offset, src);
    }
}
