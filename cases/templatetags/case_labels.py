"""Template filters that show the action log's codes as words: {{ entry.action|action_label }}."""

from django import template

from cases import log_labels

register = template.Library()
register.filter("action_label", log_labels.action_label)
register.filter("actor_label", log_labels.actor_label)
register.filter("state_label", log_labels.state_label)
register.filter("method_label", log_labels.method_label)
