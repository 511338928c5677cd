package org.ubdjava.harness.trace;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds vscsi v1 and v2 records, for tests. */
final class VscsiBytes {
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private final int version;

    VscsiBytes(int version) {
        this.version = version;
    }

    VscsiBytes add(int opcode, long length, long lba, long micros) {
        return add(opcode, version << 8, length, lba, micros);
    }

    VscsiBytes add(int opcode, int versionField, long length, long lba, long micros) {
        if (version == 1) {
            buf.putInt(7).putInt((int) length).putInt(1).putShort((short) opcode).putShort((short) versionField)
                    .putLong(lba).putLong(micros);
        } else {
            buf.putShort((short) opcode).putShort((short) versionField).putInt(7).putInt((int) length).putInt(1)
                    .putLong(lba).putLong(micros).putLong(250);
        }
        return this;
    }

    byte[] bytes() {
        byte[] out = new byte[buf.position()];
        buf.duplicate().flip().get(out);
        return out;
    }
}
