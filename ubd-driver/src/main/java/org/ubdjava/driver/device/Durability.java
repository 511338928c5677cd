package org.ubdjava.driver.device;

/** When a device's completed writes are on stable storage: what a flush and a FUA write must add. */
public enum Durability {
    /** Read-only: nothing is ever written, a flush has nothing to do. */
    NOTHING_WRITTEN,
    /** After {@link BlockDevice#flush()}: a FUA write is the write and then a flush. */
    ON_FLUSH,
    /** When the write returns (the 's' flag, O_SYNC): FUA costs nothing more. */
    ON_WRITE
}
