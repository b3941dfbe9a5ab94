"""Early warning: alerts found in the resolved tables on each fusion run, kept with stable ids, and delivered.

`detect.find_alerts` looks for the situations; `store.save_alerts` keeps one row per situation
(new runs update, never duplicate); `webhooks.deliver` posts what changed to the subscribers.
"""
