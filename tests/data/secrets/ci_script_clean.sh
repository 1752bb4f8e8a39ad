#!/bin/sh
apt-get -y install nginx
systemctl enable nginx
