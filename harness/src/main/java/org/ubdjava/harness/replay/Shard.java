package org.ubdjava.harness.replay;

import java.util.Arrays;

/**
 * Which of a whole run's VMs one process takes: VM i when i mod {@link #count} is {@link #index}.
 * Everything else about a VM (its number, trace, shifts, seed, COW file's name) stays what the
 * whole run gives it, so N shards together do what one process would, VM for VM. Modulo rather
 * than blocks: VMs of one trace, and early and late starters under --shift-time, spread over every
 * shard alike.
 *
 * @param index this shard, 0 to count - 1
 * @param count shards the run is cut into, at least 1
 */
public record Shard(int index, int count) {

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + ": needs 0 <= K < N");
        }
    }

    /** Parses {@code K/N}; a malformed one is an {@link IllegalArgumentException} saying what is wrong. */
    public static Shard parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not K/N (shard K of N, K from 0 to N-1)");
        }
        int k = number(text.substring(0, slash), text);
        int n = number(text.substring(slash + 1), text);
        if (n < 1) {
            throw new IllegalArgumentException("'" + text + "': N, the number of shards, must be at least 1");
        }
        if (k >= n) {
            throw new IllegalArgumentException("'" + text + "': K must be below N (shards are numbered from 0 to " + (n - 1) + ")");
        }
        return new Shard(k, n);
    }

    private static int number(String s, String text) {
        try {
            int v = Integer.parseInt(s);
            if (v >= 0 && s.chars().allMatch(Character::isDigit)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("'" + text + "' is not K/N with K and N whole numbers");
    }

    /** How many of a run of {@code vms} VMs this shard replays. */
    public int vmsOf(int vms) {
        return vms <= index ? 0 : (vms - index - 1) / count + 1;
    }

    /** The run's number of this shard's {@code j}-th VM. */
    public int vm(int j) {
        return index + j * count;
    }

    /** This shard's VMs of a run of {@code vms}, in order. */
    public int[] vms(int vms) {
        int[] out = new int[vmsOf(vms)];
        Arrays.setAll(out, this::vm);
        return out;
    }

    /** Whether VM {@code vm} of the run is this shard's. */
    public boolean has(int vm) {
        return vm % count == index;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
