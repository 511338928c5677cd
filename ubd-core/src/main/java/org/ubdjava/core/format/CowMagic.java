package org.ubdjava.core.format;

/** The COW magic: ASCII "OOOM" when stored big-endian, "MOOO" in a v1 file written on x86. */
public final class CowMagic {
    public static final int MAGIC = 0x4F4F4F4D;

    private CowMagic() {
    }
}
