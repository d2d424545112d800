from django import template

from accounts import policy

register = template.Library()


@register.filter
def may(user, action):
    """`{% if request.user|may:"subscribe_reports" %}`: the policy's answer for the role."""
    return policy.can(user, action)
