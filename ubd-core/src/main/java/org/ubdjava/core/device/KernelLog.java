package org.ubdjava.core.device;

/** Where the driver's kernel messages go (printk in the real driver): a console, a list in a test. */
@FunctionalInterface
public interface KernelLog {
    KernelLog DISCARD = line -> { };

    void print(String line);
}
