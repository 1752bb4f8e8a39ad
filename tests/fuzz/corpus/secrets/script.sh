#!/bin/bash
set -e
apt-get update
echo 'root:KwFakeScriptPw6' | chpasswd
