--[[
famfs data sets as Slurm burst buffers (burst_buffer/lua), docs/slurm.md.

A job declares the famfs data sets it needs in its script:

    #BB_LUA famfs rw=/jobs/run1 ro=/datasets/ref

Slurm calls the functions below as root on the controller; each hands the
work to famfs-slurm-bb (one line of output: the reason Slurm shows when a
stage fails). Install this file as burst_buffer.lua next to slurm.conf
(make install fills in the two paths) and set
BurstBufferType=burst_buffer/lua.
--]]

local FAMFS_SLURM_BB = "@FAMFS_SLURM_BB@"
local FAMFS_SLURM_CONF = "@FAMFS_SLURM_CONF@"
-- Slurm runs this with no PATH at all.
local SCONTROL = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin scontrol"

local function quote(s)
	return "'" .. string.gsub(tostring(s), "'", "'\\''") .. "'"
end

-- Run a command; return its exit code and its output (stdout and stderr).
local function run(cmd)
	local p = io.popen(cmd .. " 2>&1; echo \"famfs-exit=$?\"")
	local out = p:read("*a")
	p:close()
	local body, code = string.match(out, "^(.-)\n?famfs%-exit=(%d+)%s*$")
	if not code then
		return 127, out
	end
	return tonumber(code), body
end

-- famfs-slurm-bb STAGE ARGS: slurm.SUCCESS or slurm.ERROR with its message.
local function helper(stage, ...)
	local cmd = quote(FAMFS_SLURM_BB) .. " --config " .. quote(FAMFS_SLURM_CONF) .. " " .. stage
	for i = 1, select("#", ...) do
		cmd = cmd .. " " .. quote(select(i, ...))
	end
	local code, out = run(cmd)
	if code ~= 0 then
		if out == "" then
			out = "famfs: " .. stage .. " failed (exit " .. code .. ")"
		end
		slurm.log_error("%s", out)
		return slurm.ERROR, out
	end
	if out ~= "" then
		slurm.log_info("%s", out)
	end
	return slurm.SUCCESS, out
end

-- At submit: reject malformed directives (sbatch prints the message).
function slurm_bb_job_process(job_script)
	return helper("job_process", job_script)
end

function slurm_bb_pools()
	return slurm.SUCCESS
end

function slurm_bb_setup(job_id, uid, gid, pool, bb_size, job_script)
	return slurm.SUCCESS
end

-- Job PENDING (BurstBufferStageIn): wait until no grant is in the way.
-- A failure holds the job with the message as its reason.
function slurm_bb_data_in(job_id, job_script)
	return helper("data_in", job_id, job_script)
end

function slurm_bb_real_size(job_id)
	return slurm.SUCCESS
end

-- FAMFS_DATASETS="rw:/a ro:/b" in the job's environment.
function slurm_bb_paths(job_id, job_script, path_file)
	return helper("paths", job_id, job_script, path_file)
end

-- Nodes allocated, job not started: grant the data sets to their hosts.
-- A failure requeues the job (Reason=Burst_buffer_pre_run_error, the
-- message in its SystemComment).
function slurm_bb_pre_run(job_id, job_script)
	local code, out = run(SCONTROL .. " -o show job " .. quote(job_id))
	if code ~= 0 then
		return slurm.ERROR, "famfs: scontrol show job " .. job_id .. ": " .. out
	end
	local batch = string.match(out, "BatchHost=(%S+)")
	local list = string.match(out, " NodeList=(%S+)")
	if not list or list == "(null)" then
		return slurm.ERROR, "famfs: job " .. job_id .. " has no NodeList yet"
	end
	code, out = run(SCONTROL .. " show hostnames " .. quote(list))
	if code ~= 0 then
		return slurm.ERROR, "famfs: scontrol show hostnames " .. list .. ": " .. out
	end
	local nodes = string.gsub(string.gsub(out, "%s+$", ""), "%s+", ",")
	-- A job without a batch host: its first node gets the read-write sets.
	if not batch or batch == "(null)" then
		batch = string.match(nodes, "^[^,]+")
	end
	return helper("pre_run", job_id, job_script, batch, nodes)
end

-- The job ended: release its data sets at once (teardown does it too,
-- for jobs cancelled before they ran).
function slurm_bb_post_run(job_id, job_script)
	return helper("release", job_id)
end

function slurm_bb_data_out(job_id, job_script)
	return slurm.SUCCESS
end

function slurm_bb_job_teardown(job_id, job_script, hurry)
	return helper("release", job_id)
end

function slurm_bb_get_status(...)
	return slurm.SUCCESS, "famfs data sets: see 'famfsctl owners PATH'\n"
end
