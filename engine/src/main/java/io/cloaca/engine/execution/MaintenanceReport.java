package io.cloaca.engine.execution;

/**
 * What one round of {@link Runner#runMaintenanceOnce()} did, so that a test can tell "nothing to do"
 * from "not run".
 *
 * @param renewed   leases renewed (claims this runner holds)
 * @param examined  claims the sweep judged: expired, or made by another process
 * @param recovered claims made Ready again
 * @param abandoned claims failed for good after too many recoveries
 * @param queued    ready tasks the poll queued
 */
public record MaintenanceReport(int renewed, int examined, int recovered, int abandoned, int queued) {
}
