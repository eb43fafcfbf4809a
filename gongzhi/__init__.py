"""gongzhi (共治): an open platform for community co-governance."""
