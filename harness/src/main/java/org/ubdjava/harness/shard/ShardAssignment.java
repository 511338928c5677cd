package org.ubdjava.harness.shard;

import java.util.Map;

import org.ubdjava.harness.replay.Shard;

/**
 * Which shard this process is: from the command line, or from the scheduler that started it, so
 * that one command line serves every task of a Slurm job array and every pod of a Kubernetes
 * Indexed Job. In order:
 * <ul>
 * <li>an explicit {@code --shard K/N} wins over everything ({@code --shards}, if also given, must say N too);</li>
 * <li>else K is {@value #SLURM_INDEX}, else {@value #KUBERNETES_INDEX}; N is {@code --shards N}, else
 *     {@value #SLURM_COUNT} (Kubernetes tells a pod no count);</li>
 * <li>with neither an option nor a variable, the process is the whole run.</li>
 * </ul>
 * A K of N or more, an N below 1, a K without an N or an N without a K is refused, naming the
 * option or variable it came from.
 */
public final class ShardAssignment {
    public static final String SLURM_INDEX = "SLURM_ARRAY_TASK_ID";
    public static final String SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT";
    public static final String KUBERNETES_INDEX = "JOB_COMPLETION_INDEX";

    private ShardAssignment() {
    }

    /** A shard assignment that cannot be: the message names the option or variable. */
    public static final class Invalid extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message);
        }
    }

    /**
     * The shard this process replays, or null for the whole run.
     *
     * @param shard  {@code --shard K/N}, or null
     * @param shards {@code --shards N}, or null
     * @param env    the process's environment
     * @throws Invalid naming the option or variable at fault
     */
    public static Shard resolve(Shard shard, Integer shards, Map<String, String> env) {
        if (shard != null) {
            if (shards != null && shards != shard.count()) {
                throw new Invalid("--shards " + shards + " and --shard " + shard + " disagree on the number of shards");
            }
            return shard;
        }
        String kFrom = set(env, SLURM_INDEX) ? SLURM_INDEX : set(env, KUBERNETES_INDEX) ? KUBERNETES_INDEX : null;
        if (shards != null && shards < 1) {
            throw new Invalid("--shards " + shards + ": the number of shards must be at least 1");
        }
        if (kFrom == null) {
            if (shards != null) {
                throw new Invalid("--shards " + shards + " without a shard index: give --shard K/N, or run as a Slurm array task ("
                        + SLURM_INDEX + ") or a Kubernetes Indexed Job pod (" + KUBERNETES_INDEX + ")");
            }
            return null;
        }
        int k = number(env, kFrom);
        String nFrom;
        int n;
        if (shards != null) {
            nFrom = "--shards " + shards;
            n = shards;
        } else if (set(env, SLURM_COUNT)) {
            nFrom = SLURM_COUNT + "=" + env.get(SLURM_COUNT).trim();
            n = number(env, SLURM_COUNT);
            if (n < 1) {
                throw new Invalid(nFrom + ": the number of shards must be at least 1");
            }
        } else {
            throw new Invalid(kFrom + "=" + k + " gives this shard's index but not how many shards there are: add --shards N");
        }
        if (k >= n) {
            throw new Invalid(kFrom + "=" + k + " is not below the number of shards (" + nFrom + "): shards are numbered 0 to "
                    + (n - 1) + (kFrom.equals(SLURM_INDEX) ? " (sbatch --array=0-" + (n - 1) + ")" : ""));
        }
        return new Shard(k, n);
    }

    private static boolean set(Map<String, String> env, String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private static int number(Map<String, String> env, String name) {
        String v = env.get(name).trim();
        try {
            int n = Integer.parseInt(v);
            if (n >= 0 && v.chars().allMatch(Character::isDigit)) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new Invalid(name + "='" + v + "' is not a whole number of 0 or more");
    }
}
