#!/usr/bin/env python
from gongzhi.manage import main

if __name__ == "__main__":
    main()
