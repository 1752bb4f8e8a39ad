#!/bin/sh
echo KwFakeScriptPw7 | passwd --stdin centos
