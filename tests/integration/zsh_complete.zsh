# zsh_complete.zsh COMPDIR LINE — what zsh's completion system offers for LINE, typed in
# a real interactive zsh with the _keyward in COMPDIR on its fpath: one candidate a line.
# The shell runs in a pseudo-terminal (zsh/zpty); a wrapper around the compadd builtin
# prints each match that completion would add, between two marker lines, then exits.
zmodload zsh/zpty || exit 2
local compdir=$1 line=$2 setup=${TMPDIR:-/tmp}/kw-zsh-setup.$$
cat >$setup <<SETUP
PS1='' PROMPT='' RPROMPT=''
fpath=(${(q)compdir} \$fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
zstyle ':completion:*' insert-tab false
compadd() {
	# calls that already collect their matches (-O, -A, -D) are internal: pass them on
	if (( \${@[(I)-[OAD]]} )); then builtin compadd "\$@"; return; fi
	local -a kw_matches
	builtin compadd -O kw_matches "\$@"
	(( \$#kw_matches )) && print -rl -- "KWC:"\${^kw_matches}
	builtin compadd "\$@"
}
kw_after() { print -r -- KW_END; exit 0 }
comppostfuncs=(kw_after)
print -r -- KW_READY
SETUP
zpty kwz zsh -f -i
zpty -w kwz "source ${(q)setup}"
local out seen=0 n=0
while (( n++ < 200 )); do
	zpty -r -t kwz out 2>/dev/null || { sleep 0.05; continue }
	[[ $out == *KW_READY* ]] && { seen=1; break }
done
rm -f $setup
(( seen )) || { print -u2 "zsh_complete: the shell did not start"; exit 2 }
zpty -w -n kwz "$line"$'\t'
n=0
while (( n++ < 400 )); do
	zpty -r -t kwz out 2>/dev/null || { sleep 0.05; continue }
	out=${out//$'\r'/}
	[[ $out == *KW_END* ]] && break
	[[ -n $KW_RAW ]] && print -r -- "RAW:$out"
	# the first match line follows the echo of the typed line on the same line
	[[ $out == *KWC:* ]] && print -r -- ${${out##*KWC:}%$'\n'}
done
zpty -d kwz
