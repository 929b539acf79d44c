package io.cloaca.engine.store;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schema's record of the processes that take claims, which owner watches read (V7__hot_task_updates.sql). */
class ClaimOwnersTest extends StoreTestBase {

    @Test
    void an_owner_is_recorded_once_and_lists_for_everyone_but_itself() {
        store.registerClaimOwner("a", 1);
        store.registerClaimOwner("a", 2);
        store.registerClaimOwner("b", 3);

        assertEquals(Set.of("b"), store.claimOwnersOtherThan("a"));
        assertEquals(Set.of("a", "b"), store.claimOwnersOtherThan("c"));
    }

    @Test
    void a_gone_owner_is_forgotten_only_once_none_of_its_claims_is_left_running() {
        Claimant gone = new Claimant("runner-gone", "gone", 60_000);
        store.registerClaimOwner(gone.owner(), 1);
        store.registerClaimOwner("idle", 1);
        long now = System.currentTimeMillis();
        String root = store.createExecution(UUID.randomUUID().toString(), "pair", PAIR, "{}", now).get(0);
        ClaimedTask claimed = store.claim(root, gone, now).orElseThrow();

        assertEquals(1, store.forgetClaimOwners(Set.of(gone.owner(), "idle")), "the owner without claims goes");
        assertEquals(Set.of(gone.owner()), store.claimOwnersOtherThan("self"));

        assertEquals(1, store.release(java.util.List.of(claimed), now), "its claim is given back");
        assertEquals(1, store.forgetClaimOwners(Set.of(gone.owner())));
        assertEquals(Set.of(), store.claimOwnersOtherThan("self"));
    }
}
