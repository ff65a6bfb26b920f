/** events/: the in-process bus behind GET /events. */
export { EventBus, type EventActor, type EventListener, type EventStreamOptions } from "./event-bus.js";
export { matchesEventFilters, type EventFilters } from "./event-filter.js";
