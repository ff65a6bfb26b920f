/** events/: the in-process bus behind GET /events. */
export { EventBus, type EventActor, type EventListener, type EventStreamOptions, type EventSubscription } from "./event-bus.js";
export { matchesEventFilters, validateEventFilters, EVENT_FILTER_KEYS, type EventFilters } from "./event-filter.js";
