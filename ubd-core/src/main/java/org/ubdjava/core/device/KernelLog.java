package org.ubdjava.core.device;

import org.ubdjava.core.UbdException;

/** Where the driver's kernel messages go (printk in the real driver): a console, a list in a test. */
@FunctionalInterface
public interface KernelLog {
    KernelLog DISCARD = line -> { };

    void print(String line);

    /**
     * {@code log} with every line kept on one line: the messages quote paths read from COW
     * headers, whose author may have put a newline in one to forge a second message.
     */
    static KernelLog oneLine(KernelLog log) {
        return line -> log.print(UbdException.oneLine(line));
    }
}
