"""Input serializers of insight's API that its action specs (actions.py) name."""

from rest_framework import serializers


class TaskCompleteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)
