/**
 * How a handler reaches the messenger's parts: `running()` resolves them once the node runs, and
 * throws a ClientApiError (`no_identity`, `unavailable`) when it does not — the dispatcher turns
 * that into the typed failure. Each API area asks only for the parts it uses.
 */
export type Running<Parts> = () => Promise<Parts>
