package io.cloaca.engine.store;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Who takes claims, and for how long.
 *
 * @param runnerId    the claiming runner, shown in task rows ({@code claimed_by}) and logs
 * @param owner       the {@link LivenessLock#owner()} of the claiming process on this database
 * @param leaseMillis how long a claim stays valid without a heartbeat, on the database's clock
 */
public record Claimant(String runnerId, String owner, long leaseMillis) {

    /**
     * A claim about to be made, with a token of its own. Made before the transaction that writes it, so
     * that a retry of that transaction writes (and can recognise) the same claim.
     */
    public Claim newClaim() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return new Claim(this, Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()));
    }

    /** A claim's identity: the token written into the task row, which only its holder knows. */
    public record Claim(Claimant claimant, String token) {
    }
}
