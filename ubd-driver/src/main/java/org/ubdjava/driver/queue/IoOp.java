package org.ubdjava.driver.queue;

/** The operations the kernel driver serves (reference §4.2). */
public enum IoOp {
    READ,
    WRITE,
    FLUSH,
    DISCARD,
    WRITE_ZEROES
}
